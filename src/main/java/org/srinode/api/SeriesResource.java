package org.srinode.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.inject.Inject;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.srinode.jobs.Job;
import org.srinode.jobs.JobQueue;
import org.srinode.series.SeriesAssembler;
import org.srinode.series.SeriesInfo;

/** Received series, their state and the state of their jobs (attempts, last error). */
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
    public jakarta.ws.rs.core.Response preview(@PathParam("uid") String uid, @QueryParam("slice") Integer slice) throws Exception {
        Previews.Picture p = previews.png(uid, slice);
        // the page refreshes every 5 s: a finished before/after picture is read from the series once, not on every refresh
        return jakarta.ws.rs.core.Response.ok(p.png(), "image/png")
                .header("Cache-Control", p.beforeAndAfter() ? "private, max-age=3600" : "no-cache").build();
    }
}
