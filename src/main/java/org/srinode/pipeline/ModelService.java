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

/**
 * Loads the enhancement models once, in the background at start-up; readiness reports the state of the main one
 * ({@code SRI_ENHANCE_MODEL_DIR}, x2 by default). An x4 model ({@code SRI_ENHANCE_MODEL_X4_DIR}) is loaded after it
 * and serves the series whose assessment recommends x4 ({@link #enhancerFor}); a failure to load it is logged and
 * leaves the main model serving every series.
 */
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
    private volatile Enhancer x4;
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
            EnhancerOptions.checkSelfEnsemble(config.selfEnsemble()); // the converter checks it too, at start-up
        } catch (IllegalArgumentException e) {
            state = State.FAILED;
            detail = "SRI_ENHANCE_SELF_ENSEMBLE: " + e.getMessage();
            LOG.error(detail);
            return;
        }
        try {
            Enhancer main = Enhancer.load(dir, options());
            loadMillis = (System.nanoTime() - t0) / 1_000_000;
            detail = main.config().name() + " " + main.config().version() + " x"
                    + main.config().scale() + " on " + main.deviceName()
                    + (main.selfEnsemble() > 1 ? ", self-ensemble of " + main.selfEnsemble() + " orientations" : "");
            try {
                loadX4(main.config().scale());
            } catch (X4Unusable e) {
                main.close(); // enhancement does not start: nothing of it stays loaded
                throw e;
            }
            enhancer = main; // published last: a stage that sees it finds the x4 model loaded (or known absent) too
            state = State.READY;
            LOG.infof("model %s loaded in %d ms", detail, loadMillis);
            if (ready != null) {
                ready.fire(new Ready(detail));
            }
        } catch (X4Unusable e) {
            state = State.FAILED;
            detail = e.getMessage();
            LOG.error(detail, e);
        } catch (Exception | LinkageError e) {
            state = State.FAILED;
            detail = "cannot load the model in " + dir + ": " + e.getMessage()
                    + " (set SRI_ENHANCE_MODEL_DIR, or SRI_ENHANCE_ENABLED=false to run without enhancement)";
            LOG.error(detail, e);
        }
    }

    /** An x4 model the operator named that cannot be used: enhancement does not start. */
    private static final class X4Unusable extends RuntimeException {
        X4Unusable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * The x4 model, loaded before the node reports READY: a series is never enhanced by the wrong one. One the operator
     * named that cannot be used fails the start of enhancement (the exception); the shipped one that goes with the
     * shipped main model is optional (a warning).
     */
    private void loadX4(int mainScale) {
        Optional<String> named = config.modelX4Dir().map(String::trim).filter(d -> !d.isEmpty());
        if (named.isPresent() && named.get().equalsIgnoreCase("none")) {
            return;
        }
        boolean shippedMain = Path.of(config.modelDir())
                .toAbsolutePath()
                .normalize()
                .equals(Path.of(EnhanceConfig.DEFAULT_MODEL_DIR)
                        .toAbsolutePath()
                        .normalize());
        if (named.isEmpty() && !shippedMain) {
            detail += "; no x4 model (SRI_ENHANCE_MODEL_X4_DIR unset with a main model of the site's own)";
            return;
        }
        Path dir = Path.of(named.orElse(EnhanceConfig.DEFAULT_X4_MODEL_DIR)).toAbsolutePath();
        try {
            Enhancer m = Enhancer.load(dir, options());
            if (m.config().scale() != 4) {
                m.close();
                throw new IllegalArgumentException(
                        "its config.json says scale " + m.config().scale() + ", not 4");
            }
            x4 = m;
            detail += "; " + m.config().name() + " " + m.config().version()
                    + " x4 for series the assessment recommends x4 for";
        } catch (Exception | LinkageError e) {
            if (named.isPresent()) {
                throw new X4Unusable(
                        "the x4 model named by SRI_ENHANCE_MODEL_X4_DIR cannot be used (" + dir + ": " + e.getMessage()
                                + "); name an x4 model folder, or none",
                        e);
            }
            detail += "; no x4 model (" + dir + ": " + e.getMessage() + "), x" + mainScale + " for every series";
            LOG.warnf("the shipped x4 model in %s is not used: %s", dir, e.getMessage());
        }
    }

    private EnhancerOptions options() {
        return new EnhancerOptions(
                config.device(),
                config.poolSize(),
                config.tile(),
                config.overlap(),
                config.batchSize(),
                config.selfEnsemble());
    }

    void onStop(@Observes ShutdownEvent ev) {
        if (enhancer != null) {
            enhancer.close();
        }
        if (x4 != null) {
            x4.close();
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

    /** The main model (x2 by default); empty while loading, disabled or failed. */
    public Optional<Enhancer> enhancer() {
        return Optional.ofNullable(enhancer);
    }

    /**
     * The model for a series: the x4 model when the assessment recommends x4 and one is loaded, else the main model.
     *
     * @param recommendedScale the assessment's recommended scale (1, 2 or 4; 0 when there is no assessment)
     * @return empty while the main model is not ready
     */
    public Optional<Enhancer> enhancerFor(int recommendedScale) {
        Enhancer main = enhancer;
        if (main == null || state != State.READY) {
            return Optional.empty();
        }
        return Optional.of(recommendedScale >= 4 && x4 != null ? x4 : main);
    }
}
