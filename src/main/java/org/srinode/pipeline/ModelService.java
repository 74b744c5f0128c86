package org.srinode.pipeline;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.util.Optional;
import org.jboss.logging.Logger;
import org.srinode.enhance.Enhancer;
import org.srinode.enhance.EnhancerOptions;

/** Loads the enhancement model once, in the background at start-up; readiness reports its state. */
@ApplicationScoped
public class ModelService {
    private static final Logger LOG = Logger.getLogger(ModelService.class);

    /**
     * Where loading stands; ELSEWHERE: this process does not run the enhance role (SRI_NODE_ROLES), the enhance nodes
     * sharing its database run the enhancements it queues.
     */
    public enum State {
        DISABLED,
        LOADING,
        READY,
        FAILED,
        ELSEWHERE
    }

    /** CDI event fired once the model is loaded and enhancement can run. */
    public record Ready(String detail) {}

    private final EnhanceConfig config;
    private volatile Enhancer enhancer;
    private volatile State state = State.LOADING;
    private volatile String detail = "";
    private volatile long loadMillis = -1;

    private final Event<Ready> ready;

    private final boolean enhanceRole;

    /** @param enhanceRole {@code sri.role.enhance} (set from SRI_NODE_ROLES by NodeMain): whether this process enhances */
    @Inject
    public ModelService(
            EnhanceConfig config,
            Event<Ready> ready,
            @org.eclipse.microprofile.config.inject.ConfigProperty(name = "sri.role.enhance", defaultValue = "true")
                    boolean enhanceRole) {
        this.config = config;
        this.ready = ready;
        this.enhanceRole = enhanceRole;
    }

    void onStart(@Observes StartupEvent ev) {
        if (!enhanceRole && config.enabled()) {
            state = State.ELSEWHERE;
            detail =
                    "this node does not run the enhance role (SRI_NODE_ROLES): the enhance nodes sharing its database enhance";
            return;
        }
        if (!config.enabled()) {
            state = State.DISABLED;
            detail = "sri.enhance.enabled=false";
            return;
        }
        System.setProperty("ai.djl.offline", "true");
        Thread t = new Thread(this::load, "model-loader");
        t.setDaemon(true);
        t.start();
    }

    private void load() {
        long t0 = System.nanoTime();
        Path dir = Path.of(config.modelDir()).toAbsolutePath();
        try {
            enhancer = Enhancer.load(
                    dir,
                    new EnhancerOptions(
                            config.device().name().toLowerCase(java.util.Locale.ROOT),
                            config.poolSize(),
                            config.tile(),
                            config.overlap(),
                            config.batchSize()));
            loadMillis = (System.nanoTime() - t0) / 1_000_000;
            detail = enhancer.config().name() + " " + enhancer.config().version() + " x"
                    + enhancer.config().scale() + " on " + enhancer.deviceName();
            state = State.READY;
            LOG.infof("model %s loaded in %d ms", detail, loadMillis);
            ready.fire(new Ready(detail));
        } catch (Exception | LinkageError e) {
            state = State.FAILED;
            detail = "cannot load the model in " + dir + ": " + e.getMessage()
                    + " (set SRI_ENHANCE_MODEL_DIR, or SRI_ENHANCE_ENABLED=false to run without enhancement)";
            LOG.error(detail, e);
        }
    }

    void onStop(@Observes ShutdownEvent ev) {
        if (enhancer != null) {
            enhancer.close();
        }
    }

    public State state() {
        return state;
    }

    /** Why no enhancement can run now or later in this process (disabled, or the model failed to load); empty while loading or ready. */
    public Optional<String> unavailable() {
        return state == State.DISABLED || state == State.FAILED ? Optional.of(detail) : Optional.empty();
    }

    public String detail() {
        return detail;
    }

    public long loadMillis() {
        return loadMillis;
    }

    public Optional<Enhancer> enhancer() {
        return Optional.ofNullable(enhancer);
    }
}
