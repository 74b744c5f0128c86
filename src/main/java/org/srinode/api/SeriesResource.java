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
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.jboss.logging.Logger;
import org.srinode.audit.AuditTrail;
import org.srinode.audit.ClientAddress;
import org.srinode.dicom.LogText;
import org.srinode.dicom.Uids;
import org.srinode.jobs.Job;
import org.srinode.jobs.JobQueue;
import org.srinode.series.OperatorActions;
import org.srinode.series.SeriesInfo;
import org.srinode.series.SeriesRecords;

/**
 * Received series, their state and the state of their jobs (attempts, last error); for operators (issue 12, each
 * audited, each with a required comment): the release of a held enhancement, having a series enhanced again, and
 * discarding its derived output. Errors of the actions are RFC 9457 problem details.
 */
@Path("/api/series")
@Produces(MediaType.APPLICATION_JSON)
public class SeriesResource {
    /**
     * A series with its assessment (parsed), its jobs, how long each stage took (milliseconds) and
     * the derived series made from it.
     */
    public record SeriesView(
            SeriesInfo series,
            JsonNode assessment,
            List<Job> jobs,
            java.util.Map<String, Long> stageMillis,
            List<String> derivedSeries) {}

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
        return new SeriesView(
                s,
                a,
                jobs.forSeries(s.seriesUid()),
                series.stageTimes(s.seriesUid()),
                series.derivedOf(s.seriesUid()).stream()
                        .map(SeriesInfo::seriesUid)
                        .toList());
    }

    @Inject
    SeriesRecords series;

    @Inject
    OperatorActions actions;

    @Inject
    JobQueue jobs;

    @Inject
    Previews previews;

    @GET
    @Operation(summary = "Series received, newest first, with their jobs")
    public List<SeriesView> list(@QueryParam("limit") @DefaultValue("100") int limit) {
        return series.list(Math.max(1, Math.min(limit, 1000))).stream()
                .map(this::view)
                .toList();
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
    @Operation(
            summary =
                    "Before/after picture: a slice of the acquired series next to the same slice of its AI-enhanced series")
    public Response preview(
            @PathParam("uid") String uid,
            @Parameter(
                            description = "slice index in slice order, counted from 0 like the indices of the"
                                    + " assessment's JSON (the picture's label and the findings count from 1); beyond"
                                    + " the series: its first or last slice; absent: the middle slice")
                    @QueryParam("slice")
                    Integer slice)
            throws Exception {
        Previews.Picture p = previews.png(uid, slice);
        // the page refreshes every 5 s: a finished before/after picture is read from the series once, not on every
        // refresh
        return Response.ok(p.png(), "image/png")
                .header("Cache-Control", p.beforeAndAfter() ? "private, max-age=3600" : "no-cache")
                .build();
    }

    private static final Logger AUDIT = Logger.getLogger("sri.audit");

    @Inject
    AuditTrail audit;

    @Inject
    org.srinode.pipeline.Supersession supersession;

    /** @param comment why the operator acts (required, at most 1000 characters) */
    public record ReleaseRequest(String comment) {}

    /** What an operator action did: its JSON answer and the words for the audit trail ("released ... of series X"). */
    private record Done(Map<String, Object> answer, String audited) {}

    /** An operator action on a series; throws {@link OperatorActions.NotApplicable} when it does not apply. */
    @FunctionalInterface
    private interface Action {
        Done run(String user, String comment);
    }

    /**
     * Runs an operator action: a comment is required (400 otherwise), a {@link OperatorActions.NotApplicable} is a 409 (404
     * for an unknown series); what was done goes to the {@code sri.audit} log and the audit trail with who and why.
     */
    private Response act(
            String uid,
            ReleaseRequest body,
            SecurityContext sc,
            HttpServerRequest request,
            String example,
            Response.Status ok,
            Action action) {
        if (body == null || body.comment() == null || body.comment().isBlank()) {
            return Problem.of(Response.Status.BAD_REQUEST, "a comment is required: {\"comment\": \"" + example + "\"}");
        }
        if (body.comment().length() > 1000) {
            return Problem.of(
                    Response.Status.BAD_REQUEST,
                    "the comment has " + body.comment().length() + " characters; at most 1000");
        }
        String user = sc.getUserPrincipal().getName();
        String comment = body.comment().strip();
        Done done;
        try {
            done = action.run(user, comment);
        } catch (OperatorActions.NotApplicable e) {
            return Problem.of(
                    series.find(uid).isEmpty() ? Response.Status.NOT_FOUND : Response.Status.CONFLICT, e.getMessage());
        }
        // the application log names series by their short tags only (the audit trail has the UIDs)
        AUDIT.infof(
                "%s by '%s'",
                done.audited().replaceAll(" \\(.*", "").replace(uid, Uids.shortTag(uid)), LogText.escape(user));
        audit.operatorAction(user, ClientAddress.of(request), done.audited() + ": " + comment);
        return Response.status(ok).entity(done.answer()).build();
    }

    @POST
    @Path("/{uid}/enhance")
    @RolesAllowed({"operator", "admin"})
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(
            summary =
                    "Has an acquired series enhanced again (new derived UIDs; the current output is withdrawn when the new "
                            + "one is registered), with a required comment")
    public Response enhanceAgain(
            @PathParam("uid") String uid,
            ReleaseRequest body,
            @Context SecurityContext sc,
            @Context HttpServerRequest request) {
        return act(
                uid,
                body,
                sc,
                request,
                "why the series is enhanced again",
                Response.Status.ACCEPTED,
                (user, comment) -> {
                    int run = actions.enhanceAgain(uid, user, comment);
                    return new Done(
                            Map.of("enhanceRun", run), "had series " + uid + " enhanced again (run " + run + ")");
                });
    }

    @POST
    @Path("/{uid}/discard")
    @RolesAllowed({"operator", "admin"})
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(
            summary =
                    "Discards the current derived output of an acquired series: withdrawn from the PACS (rejection note) and "
                            + "the EHR, with a required comment")
    public Response discard(
            @PathParam("uid") String uid,
            ReleaseRequest body,
            @Context SecurityContext sc,
            @Context HttpServerRequest request) {
        return act(
                uid, body, sc, request, "why the derived output is discarded", Response.Status.OK, (user, comment) -> {
                    List<String> discarded = supersession.discard(uid, user, comment).stream()
                            .map(w -> w.series().seriesUid())
                            .toList();
                    return new Done(
                            Map.of("discarded", discarded),
                            "discarded the derived output of series " + uid + " (derived " + discarded + ")");
                });
    }

    @POST
    @Path("/{uid}/release")
    @RolesAllowed({"operator", "admin"})
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(
            summary =
                    "Releases a held enhancement of an acquired series to the PACS and the EHR, with a required comment")
    public Response release(
            @PathParam("uid") String uid,
            ReleaseRequest body,
            @Context SecurityContext sc,
            @Context HttpServerRequest request) {
        return act(
                uid, body, sc, request, "why the held series may be released", Response.Status.OK, (user, comment) -> {
                    List<String> released = actions.release(uid, user, comment);
                    return new Done(
                            Map.of("released", released),
                            "released the held enhancement of series " + uid + " (derived " + released + ")");
                });
    }
}
