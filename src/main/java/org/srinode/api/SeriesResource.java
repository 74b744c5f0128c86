package org.srinode.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.http.HttpServerRequest;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.jboss.logging.Logger;
import org.srinode.audit.AuditTrail;
import org.srinode.dicom.LogText;
import org.srinode.dicom.Uids;
import org.srinode.jobs.Job;
import org.srinode.jobs.JobQueue;
import org.srinode.series.SeriesAssembler;
import org.srinode.series.SeriesInfo;

/**
 * Received series, their state and the state of their jobs (attempts, last error); for operators, the release of a
 * held enhancement (issue 12, audited). Errors of the release are RFC 9457 problem details.
 */
@Path("/api/series")
@Produces(MediaType.APPLICATION_JSON)
public class SeriesResource {
    /**
     * A series with its assessment (parsed), its jobs, how long each stage took (milliseconds) and
     * the derived series made from it.
     */
    public record SeriesView(SeriesInfo series, JsonNode assessment, List<Job> jobs, java.util.Map<String, Long> stageMillis,
                             List<String> derivedSeries) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private SeriesView view(SeriesInfo s) {
        JsonNode a = null;
        if (s.assessment() != null) {
            try {
                a = JSON.readTree(s.assessment());
            } catch (java.io.IOException e) {
                a = JSON.getNodeFactory().textNode(s.assessment());
            }
        }
        return new SeriesView(s, a, jobs.forSeries(s.seriesUid()), series.stageTimes(s.seriesUid()),
                series.derivedOf(s.seriesUid()).stream().map(SeriesInfo::seriesUid).toList());
    }

    @Inject
    SeriesAssembler series;
    @Inject
    JobQueue jobs;
    @Inject
    Previews previews;

    @GET
    @Operation(summary = "Series received, newest first, with their jobs")
    public List<SeriesView> list(@QueryParam("limit") @DefaultValue("100") int limit) {
        return series.list(Math.max(1, Math.min(limit, 1000))).stream()
                .map(this::view).toList();
    }

    @GET
    @Path("/{uid}")
    @Operation(summary = "One series by Series Instance UID, with its jobs")
    public SeriesView one(@PathParam("uid") String uid) {
        SeriesInfo s = series.find(uid).orElseThrow(() -> new NotFoundException("no series " + uid));
        return view(s);
    }

    @GET
    @Path("/{uid}/preview.png")
    @Produces("image/png")
    @Operation(summary = "Before/after picture: a slice of the acquired series next to the same slice of its AI-enhanced series")
    public Response preview(@PathParam("uid") String uid, @QueryParam("slice") Integer slice) throws Exception {
        Previews.Picture p = previews.png(uid, slice);
        // the page refreshes every 5 s: a finished before/after picture is read from the series once, not on every refresh
        return Response.ok(p.png(), "image/png")
                .header("Cache-Control", p.beforeAndAfter() ? "private, max-age=3600" : "no-cache").build();
    }

    private static final Logger AUDIT = Logger.getLogger("sri.audit");

    @Inject
    AuditTrail audit;

    /** @param comment why the held enhancement may go to the PACS (required, at most 1000 characters) */
    public record ReleaseRequest(String comment) {
    }

    @POST
    @Path("/{uid}/release")
    @RolesAllowed({"operator", "admin"})
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Releases a held enhancement of an acquired series to the PACS and the EHR, with a required comment")
    public Response release(@PathParam("uid") String uid, ReleaseRequest body, @Context SecurityContext sc,
                            @Context HttpServerRequest request) {
        if (body == null || body.comment() == null || body.comment().isBlank()) {
            return Problem.of(Response.Status.BAD_REQUEST, "a comment is required: {\"comment\": \"why the held series may be released\"}");
        }
        if (body.comment().length() > 1000) {
            return Problem.of(Response.Status.BAD_REQUEST, "the comment has " + body.comment().length() + " characters; at most 1000");
        }
        String user = sc.getUserPrincipal().getName();
        List<String> released;
        try {
            released = series.release(uid, user, body.comment().strip());
        } catch (SeriesAssembler.NotApplicable e) {
            return Problem.of(series.find(uid).isEmpty() ? Response.Status.NOT_FOUND : Response.Status.CONFLICT, e.getMessage());
        }
        AUDIT.infof("series %s: held enhancement released by '%s'", Uids.shortTag(uid), LogText.escape(user));
        audit.operatorAction(user, JobResource.address(request), "released the held enhancement of series " + uid + " (derived " + released + "): "
                + body.comment().strip());
        return Response.ok(Map.of("released", released)).build();
    }
}
