package org.srinode.api;

import io.vertx.core.http.HttpServerRequest;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.jboss.logging.Logger;
import org.srinode.audit.AuditTrail;
import org.srinode.audit.ClientAddress;
import org.srinode.dicom.LogText;
import org.srinode.dicom.Uids;
import org.srinode.jobs.Job;
import org.srinode.jobs.JobKind;
import org.srinode.jobs.JobQueue;

/**
 * Operator actions on jobs (issue 12), each in the audit trail: run a job that failed for good again. (The release of
 * a held enhancement is {@code POST /api/series/{uid}/release}, {@link SeriesResource#release}.) Errors are RFC 9457
 * problem details.
 */
@Path("/api/jobs")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed({"operator", "admin"})
public class JobResource {
    private static final Logger AUDIT = Logger.getLogger("sri.audit");

    @Inject
    JobQueue jobs;

    @Inject
    AuditTrail audit;

    @Inject
    org.srinode.series.SeriesRecords series;

    @POST
    @Path("/{id}/requeue")
    @jakarta.ws.rs.Consumes(MediaType.APPLICATION_JSON) // a cross-site form cannot send JSON without a CORS preflight
    @Operation(summary = "Runs a DEAD job again (attempts reset)")
    public Response requeue(@PathParam("id") long id, @Context SecurityContext sc, @Context HttpServerRequest request) {
        String user = sc.getUserPrincipal().getName();
        Job before = jobs.find(id).orElse(null);
        if (before != null && (before.kind() == JobKind.FORWARD || before.kind() == JobKind.PUBLISH)) {
            String supersededBy = series.supersededBy(before.seriesUid()).orElse(null);
            if (supersededBy != null) {
                return Problem.of(
                        Response.Status.CONFLICT,
                        "series " + before.seriesUid() + " was superseded by " + supersededBy + ": its " + before.kind()
                                + " would follow the rejection note that withdrew it");
            }
        }
        Job job;
        try {
            job = jobs.requeue(id, user).orElse(null);
        } catch (IllegalStateException e) {
            return Problem.of(Response.Status.CONFLICT, e.getMessage());
        }
        if (job == null) {
            return Problem.of(Response.Status.NOT_FOUND, "no job " + id);
        }
        AUDIT.infof(
                "job %d (%s of series %s) requeued by '%s'",
                id, job.kind(), Uids.shortTag(job.seriesUid()), LogText.escape(user));
        audit.operatorAction(
                user,
                ClientAddress.of(request),
                "requeued DEAD job " + id + " (" + job.kind() + " of series " + job.seriesUid() + ")");
        return Response.ok(job).build();
    }
}
