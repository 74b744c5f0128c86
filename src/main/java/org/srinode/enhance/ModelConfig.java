package org.srinode.enhance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.srinode.quality.ModelScope;

/**
 * What the exported model says of itself ({@code config.json} written by {@code hlhgan.export}).
 *
 * @param name       model name
 * @param version    model version
 * @param preset     network preset it was trained with
 * @param scale      upsampling factor (1, 2 or 4)
 * @param file       TorchScript file of F
 * @param percentile intensity percentile mapped to 1.0 before inference
 * @param scope      what the model may be given (anatomy, contrasts, pixel spacing), null: no scope check
 * @param adversarial whether F was trained with the paper's adversarial loss ({@code loss_weights.adv_f}, else
 *                   {@code loss_weights.adv}, &gt; 0): only then is
 *                   it an HLH-GAN in full; otherwise it is HLH-GAN's L-H network F trained with the pixel and cycle losses
 */
public record ModelConfig(
        String name,
        String version,
        String preset,
        int scale,
        String file,
        double percentile,
        ModelScope scope,
        boolean adversarial) {
    /** How the derived objects name the method: what the network is and how it was trained, in a few words. */
    public String method() {
        return adversarial ? "HLH-GAN" : "HLH-GAN network F, trained without adversarial loss";
    }

    public static ModelConfig read(Path dir) throws IOException {
        Path f = dir.resolve("config.json");
        if (!Files.isRegularFile(f)) {
            throw new IOException(dir + " is not a model folder: config.json is missing");
        }
        JsonNode n = new ObjectMapper().readTree(f.toFile());
        if (!"torchscript".equals(n.path("format").asText())) {
            throw new IOException(
                    f + ": format must be torchscript, not '" + n.path("format").asText() + "'");
        }
        int inputs = n.path("input_channels").asInt(-1);
        if (inputs != 2) {
            throw new IOException(
                    f + ": the node runs models with 2 input channels (LQ slice, mask), this one has " + inputs);
        }
        int scale = n.path("scale").asInt(0);
        if (scale != 1 && scale != 2 && scale != 4) {
            throw new IOException(f + ": scale must be 1, 2 or 4, not " + scale);
        }
        return new ModelConfig(
                n.path("name").asText("unnamed"),
                n.path("version").asText("0"),
                n.path("preset").asText(""),
                scale,
                n.path("file").asText("model.pt"),
                n.path("normalisation").path("percentile").asDouble(99.5),
                scope(n.path("scope")),
                adversarialWeight(n.path("loss_weights")) > 0);
    }

    /** F's adversarial weight: {@code adv_f} when config.json has it (hlhgan.train writes it since 2026-12-02), else {@code adv}. */
    public static double adversarialWeight(JsonNode lossWeights) {
        return lossWeights.has("adv_f")
                ? lossWeights.path("adv_f").asDouble(0)
                : lossWeights.path("adv").asDouble(0);
    }

    /** The "scope" object of config.json (anatomy, contrasts, max_pixel_spacing_mm), null when absent: no scope check. */
    private static ModelScope scope(JsonNode s) {
        if (s.isMissingNode() || s.isNull()) {
            return null;
        }
        java.util.List<String> anatomy = new java.util.ArrayList<>();
        s.path("anatomy").forEach(a -> anatomy.add(a.asText().toUpperCase(java.util.Locale.ROOT)));
        java.util.List<String> contrasts = new java.util.ArrayList<>();
        s.path("contrasts").forEach(c -> contrasts.add(c.asText().toUpperCase(java.util.Locale.ROOT)));
        Double spacing = s.path("max_pixel_spacing_mm").isNumber()
                ? s.path("max_pixel_spacing_mm").asDouble()
                : null;
        return new ModelScope(anatomy, contrasts, spacing);
    }
}
