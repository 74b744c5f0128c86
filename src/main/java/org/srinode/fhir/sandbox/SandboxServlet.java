package org.srinode.fhir.sandbox;

import jakarta.servlet.ServletException;
import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.eclipse.microprofile.config.ConfigProvider;
import org.srinode.fhir.FhirVersion;

/** The node's embedded FHIR sandbox at /fhir (sri.fhir.sandbox=false answers 404; sri.fhir.version picks R4 or R5). */
@WebServlet(urlPatterns = "/fhir/*", loadOnStartup = 1)
public class SandboxServlet extends FhirSandbox {
    private static final long serialVersionUID = 1L;
    private final boolean enabled;

    public SandboxServlet() {
        super(ConfigProvider.getConfig()
                .getOptionalValue("sri.fhir.version", FhirVersion.class)
                .orElse(FhirVersion.R4)
                .context());
        this.enabled = ConfigProvider.getConfig()
                .getOptionalValue("sri.fhir.sandbox", Boolean.class)
                .orElse(false);
    }

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws ServletException, IOException {
        if (!enabled) {
            resp.sendError(404, "the FHIR sandbox is off (sri.fhir.sandbox=false)");
            return;
        }
        super.service(req, resp);
    }
}
