package org.srinode.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.srinode.dicom.ImageHeader;
import org.srinode.dicom.SeriesFiles;
import org.srinode.dicom.VolumeWriter;
import org.srinode.enhance.Enhancer;
import org.srinode.enhance.EnhancerOptions;
import org.srinode.enhance.ProgressListener;
import org.srinode.pipeline.SeriesEnhancement;
import org.srinode.quality.Assessment;
import org.srinode.quality.Assessor;
import org.srinode.quality.QualityTargets;
import org.srinode.volume.Nifti;
import org.srinode.volume.Volume;

/**
 * {@code enhance <DICOM series folder | NIfTI file> --output <folder>}: offline, the node's assessment,
 * enhancement and derived-series writer on one series, with a progress bar.
 */
final class Enhance {
    private Enhance() {}

    static int run(String[] args) throws Exception {
        Path input = null;
        Path output = null;
        Path model = Path.of("models/sri-default-x2");
        int seriesNumber = 1000;
        boolean ignoreScope = false;
        EnhancerOptions options = EnhancerOptions.defaults();
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) {
                if (input != null) {
                    System.err.println("enhance takes one input, got " + input + " and " + a);
                    return usage();
                }
                input = Path.of(a);
                continue;
            }
            if (a.equals("--ignore-scope")) {
                ignoreScope = true;
                continue;
            }
            if (i + 1 >= args.length) {
                System.err.println(a + " needs a value");
                return 2;
            }
            String v = args[++i];
            if (!Main.firstTime(seen, "enhance", a)) {
                return 2;
            }
            switch (a) {
                case "--output" -> output = Path.of(v);
                case "--model" -> model = Path.of(v);
                case "--series-number" -> {
                    Integer n = Main.positive(a, v);
                    if (n == null) {
                        return 2;
                    }
                    if (n > Integer.MAX_VALUE - 1) { // the Segmentation gets N + 1 (an IS value, at most 2^31 - 1)
                        System.err.println(a + " " + v + ": at most " + (Integer.MAX_VALUE - 1));
                        return 2;
                    }
                    seriesNumber = n;
                }
                case "--self-ensemble" -> {
                    options = Main.selfEnsemble(options, v);
                    if (options == null) {
                        return 2;
                    }
                }
                default -> {
                    System.err.println("unknown option " + a);
                    return usage();
                }
            }
        }
        String missing = Main.missing(
                input == null ? "the input (a DICOM series folder or a NIfTI file)" : null,
                output == null ? "--output <folder> (where the derived series is written)" : null);
        if (missing != null) {
            System.err.println("enhance: " + missing);
            return usage();
        }
        if (!Files.exists(input)) {
            System.err.println("no such file or folder: " + input);
            return 2;
        }
        if (!Main.modelFolder(model) || !Main.outputFolder(output)) {
            return 2;
        }
        if (Files.isDirectory(input) && Files.exists(output) && Files.isSameFile(input, output)) {
            System.err.println("--output " + output + " is the input folder: give another folder (the input is read, "
                    + "never written)");
            return 2;
        }
        Path folder = input;
        if (!Files.isDirectory(input)) {
            String name = input.getFileName().toString();
            if (!name.endsWith(".nii") && !name.endsWith(".nii.gz")) {
                System.err.println(input + " is neither a folder of DICOM files nor a NIfTI file (.nii, .nii.gz)");
                return 2;
            }
            folder = output.resolve("source-dicom");
            int n = fromNifti(input, folder);
            System.err.printf(Locale.ROOT, "%s: %d axial slices written as a DICOM series to %s%n", input, n, folder);
        }
        List<ImageHeader> headers = SeriesFiles.headers(folder);
        if (headers.isEmpty()) {
            System.err.println("no DICOM file in " + folder);
            return 2;
        }
        long series =
                headers.stream().map(ImageHeader::seriesInstanceUid).distinct().count();
        if (series > 1) {
            System.err.println(folder + " holds " + series + " series: give a folder with one series");
            return 2;
        }
        Assessment a =
                new Assessor(QualityTargets.defaults()).assess(headers, h -> SeriesFiles.pixels(Path.of(h.file())));
        System.err.println("assessment: " + String.join("; ", a.reasons()) + " -> " + String.join(", ", a.actions()));
        if (!a.applicable()) {
            System.err.println("not enhanced: " + a.notApplicableReason());
            return 3;
        }
        long t0 = System.nanoTime();
        Enhancer enhancer = Enhancer.load(model, options);
        System.err.printf(
                Locale.ROOT,
                "model %s %s (x%d) loaded in %.1f s%n",
                enhancer.config().name(),
                enhancer.config().version(),
                enhancer.config().scale(),
                (System.nanoTime() - t0) / 1e9);
        List<Path> files = new ArrayList<>();
        headers.forEach(h -> files.add(Path.of(h.file())));
        if (enhancer.config().scope() != null) {
            java.util.Optional<String> outside =
                    enhancer.config().scope().outside(org.srinode.dicom.AcquisitionHeader.read(files.get(0)), a);
            if (outside.isPresent() && !ignoreScope) {
                System.err.println(
                        "not enhanced: " + outside.get() + " (see the model card; --ignore-scope enhances anyway)");
                return 3;
            }
            outside.ifPresent(o -> System.err.println("warning: " + o + "; enhancing anyway (--ignore-scope)"));
        }
        SeriesEnhancement.Result r = SeriesEnhancement.run(
                files,
                1, // generation: a folder is one
                1, // enhancement run
                a,
                enhancer,
                seriesNumber,
                "[AI-enhanced SRI]",
                0.15,
                output,
                output.resolve("segmentation"),
                bar());
        System.err.println();
        System.out.printf(
                Locale.ROOT,
                "derived series %s: %d files in %s, x%d, data consistency %.3f%s, %.1f s%n",
                r.derivedUid(),
                r.files().size(),
                output,
                r.scale(),
                r.score(),
                r.exceeded() ? " (ABOVE the limit 0.15: check before use)" : "",
                r.millis() / 1e3);
        if (r.segmentation() != null) {
            System.out.println("segmentation of the inpainted regions and filled slices: " + r.segmentation());
        }
        return 0;
    }

    private static ProgressListener bar() {
        long t0 = System.nanoTime();
        return (done, total) -> {
            int width = 30;
            int filled = total == 0 ? width : done * width / total;
            double s = (System.nanoTime() - t0) / 1e9;
            double eta = done == 0 ? 0 : s / done * (total - done);
            System.err.printf(
                    Locale.ROOT,
                    "\renhancing [%s%s] %d/%d slices  %.0f s, ETA %.0f s ",
                    "#".repeat(filled),
                    " ".repeat(width - filled),
                    done,
                    total,
                    s,
                    eta);
        };
    }

    /** A NIfTI volume as axial DICOM slices (no field strength: the NIfTI does not say). */
    static int fromNifti(Path nifti, Path folder) throws Exception {
        Volume v = Nifti.read(nifti);
        String root = "2.25."
                + new java.math.BigInteger(1, uuidBytes(nifti.toAbsolutePath().toString()));
        List<VolumeWriter.Slice> slices = new ArrayList<>();
        for (int z = 0; z < v.depth(); z++) {
            slices.add(new VolumeWriter.Slice(v.slice(z), z * v.spacingZ(), z + 1));
        }
        VolumeWriter.SeriesSpec spec = new VolumeWriter.SeriesSpec(
                "NIFTI",
                "NIFTI^" + nifti.getFileName(),
                root + ".1",
                root + ".2",
                root + ".3",
                1,
                "from " + nifti.getFileName(),
                null,
                v.spacingX(),
                v.spacingZ(),
                v.depth());
        VolumeWriter.write(spec, slices, v.width(), v.height(), folder);
        return v.depth();
    }

    private static byte[] uuidBytes(String key) {
        UUID u = UUID.nameUUIDFromBytes(key.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(16);
        b.putLong(u.getMostSignificantBits()).putLong(u.getLeastSignificantBits());
        return b.array();
    }

    private static int usage() {
        System.err.println(
                "usage: ./sri-node enhance <DICOM series folder | NIfTI file> --output <folder> [--model <model folder>]"
                        + " [--series-number N] [--self-ensemble 1|2|4|8] [--ignore-scope]");
        return 2;
    }
}
