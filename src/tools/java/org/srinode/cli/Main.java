package org.srinode.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.srinode.enhance.Enhancer;
import org.srinode.enhance.EnhancerOptions;
import org.srinode.evaluate.EvalCase;
import org.srinode.evaluate.Evaluation;
import org.srinode.evaluate.Report;
import org.srinode.evaluate.ResultRow;

/**
 * The command-line tools of sri-node, run by {@code ./sri-node}: assess, enhance and evaluate work offline on files; demo
 * and the benchmarks (bench-model, bench-e2e, bench-scale) drive a node the launcher started. None of them is part of
 * the node's runtime (src/tools, not in the node's package).
 */
public final class Main {
    /** Held, so that its level is not lost with a collected logger (the JDK keeps loggers weakly). */
    private static final java.util.logging.Logger PIXELMED = java.util.logging.Logger.getLogger("com.pixelmed");

    static final String JBOSS_LOG_MANAGER_NOTICE = "The LogManager accessed before";

    private Main() {}

    /**
     * Warnings and errors only, on stderr (the JDK's log manager): PixelMed logs every leniency it applies while
     * parsing, the HTTP client its progress.
     */
    static void quietLogging() {
        PIXELMED.setLevel(java.util.logging.Level.WARNING);
        java.util.logging.Logger root = java.util.logging.Logger.getLogger("");
        root.setLevel(java.util.logging.Level.WARNING);
        // jboss-logmanager (on the class path for the node) answers the JDK's System.Logger calls (its HTTP client's)
        // and, since this tool keeps the JDK's own log manager, says so once as an ERROR that means nothing here
        for (java.util.logging.Handler h : root.getHandlers()) {
            h.setFilter(r -> r.getMessage() == null || !r.getMessage().startsWith(JBOSS_LOG_MANAGER_NOTICE));
        }
    }

    public static void main(String[] args) throws Exception {
        System.setProperty("ai.djl.offline", "true");
        quietLogging();
        if (args.length == 0) {
            usage();
            System.exit(2);
        }
        int rc = switch (args[0]) {
            case "evaluate" -> evaluate(java.util.Arrays.copyOfRange(args, 1, args.length));
            case "assess" -> Assess.run(java.util.Arrays.copyOfRange(args, 1, args.length));
            case "enhance" -> Enhance.run(java.util.Arrays.copyOfRange(args, 1, args.length));
            case "demo" -> Demo.run(java.util.Arrays.copyOfRange(args, 1, args.length));
            case "bench-model" -> BenchModel.run(java.util.Arrays.copyOfRange(args, 1, args.length));
            case "bench-e2e" -> BenchE2e.run(java.util.Arrays.copyOfRange(args, 1, args.length));
            case "bench-scale" -> BenchScale.run(java.util.Arrays.copyOfRange(args, 1, args.length));
            default -> {
                System.err.println("unknown command: " + args[0]);
                usage();
                yield 2;
            }
        };
        System.exit(rc);
    }

    private static void usage() {
        System.err.println("""
                usage: ./sri-node assess <series folder>     the assessment of a DICOM series, as JSON
                       ./sri-node enhance <series folder | NIfTI file> --output <folder> [--model <model folder>]
                                           [--self-ensemble 1|2|4|8] [--series-number N] [--ignore-scope]
                                           the node's assessment, enhancement and derived-series writer, offline
                       ./sri-node evaluate --input <folder|file> --output <folder> [--model <model folder>]...
                                           [--max-slices N] [--seed S] [--contrast <case>=<name>]...
                                           [--self-ensemble 1|2|4|8]
                  Degrades every HQ volume (NIfTI files, DICOM series folders, an IXI-{PD,T1,T2} tree) with the
                  SR-B, SR-N-B and SRI protocols and measures the model against bicubic, SR+I and I+SR.
                  Writes results.csv, summary.md and montage PNGs to the output folder.
                       ./sri-node demo [--keep]      a simulated low-resolution acquisition through a local node and PACS
                       ./sri-node bench model|e2e|scale|ingest
                                           inference, end-to-end, multi-node and ingest benchmarks (bench/*.sh
                                           start the peers and call this tool's demo, bench-model, bench-e2e and
                                           bench-scale commands)""");
    }

    /**
     * {@code options} with the self-ensemble of a {@code --self-ensemble} value, or null (after saying why on
     * stderr) when the value is not 1, 2, 4 or 8.
     */
    static EnhancerOptions selfEnsemble(EnhancerOptions options, String value) {
        try {
            return options.withSelfEnsemble(Integer.parseInt(value.trim()));
        } catch (IllegalArgumentException e) {
            System.err.println("--self-ensemble " + value + ": give 1, 2, 4 or 8 (orientations averaged per slice)");
            return null;
        }
    }

    /**
     * The message naming the missing required options among {@code wanted} (null entries are present), or null when
     * none is missing.
     */
    static String missing(String... wanted) {
        List<String> absent = java.util.Arrays.stream(wanted)
                .filter(java.util.Objects::nonNull)
                .toList();
        return absent.isEmpty() ? null : "missing " + String.join(" and ", absent);
    }

    private static final java.util.Set<String> EVALUATE_OPTIONS = java.util.Set.of(
            "--input", "--output", "--model", "--max-slices", "--seed", "--contrast", "--self-ensemble");

    /** Whether {@code dir} looks like a model folder (its config.json is there); says why not on stderr. */
    static boolean modelFolder(Path dir) {
        if (Files.isRegularFile(dir.resolve("config.json"))) {
            return true;
        }
        System.err.println("--model " + dir + ": not a model folder (no config.json there; the shipped ones are "
                + "models/sri-default-x2 and models/sri-default-x4)");
        return false;
    }

    /** Whether {@code dir} can be the output folder (absent, or a folder); says why not on stderr. */
    static boolean outputFolder(Path dir) {
        if (!Files.exists(dir) || Files.isDirectory(dir)) {
            return true;
        }
        System.err.println("--output " + dir + " is a file: give a folder (it is created when missing)");
        return false;
    }

    /**
     * The {@code --option value} pairs of {@code args}, or null (after saying why on stderr) when an option is not one
     * of {@code known}, a value is missing or something that is no option stands where one should.
     */
    static Map<String, String> pairs(String command, String[] args, String... known) {
        java.util.Set<String> allowed = java.util.Set.of(known);
        Map<String, String> o = new java.util.LinkedHashMap<>();
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (int i = 0; i < args.length; i += 2) {
            if (!firstTime(seen, command, args[i])) {
                return null;
            }
            if (!allowed.contains(args[i])) {
                System.err.println(
                        command + ": unknown option " + args[i] + " (known: " + String.join(", ", known) + ")");
                return null;
            }
            if (i + 1 >= args.length) {
                System.err.println(command + ": " + args[i] + " needs a value");
                return null;
            }
            o.put(args[i], args[i + 1]);
        }
        return o;
    }

    /**
     * Whether {@code option} is seen for the first time (added to {@code seen}); says on stderr that it was given twice
     * otherwise: a repeated single-valued option was taken as the last value silently, so a mistyped command line ran
     * with another setting than the one read first.
     */
    static boolean firstTime(java.util.Set<String> seen, String command, String option) {
        if (seen.add(option)) {
            return true;
        }
        System.err.println(command + ": " + option + " given twice: give it once");
        return false;
    }

    /** {@code value} as a number of at least 1, or null (after saying why on stderr, naming {@code option}). */
    static Integer positive(String option, String value) {
        try {
            int n = Integer.parseInt(value.trim());
            if (n >= 1) {
                return n;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        System.err.println(option + " " + value + ": give a whole number of at least 1");
        return null;
    }

    static int evaluate(String[] args) throws Exception {
        Path input = null;
        Path output = null;
        List<Path> models = new ArrayList<>();
        int maxSlices = 16;
        long seed = 20200707;
        Map<String, String> contrasts = new HashMap<>();
        EnhancerOptions options = EnhancerOptions.defaults();
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String v = i + 1 < args.length ? args[i + 1] : null;
            if (v == null && EVALUATE_OPTIONS.contains(a)) {
                System.err.println(a + " needs a value");
                return 2;
            }
            // --model (one per scale) and --contrast (one per case) may repeat; --input and --output are said below
            if (java.util.Set.of("--max-slices", "--seed", "--self-ensemble").contains(a)
                    && !firstTime(seen, "evaluate", a)) {
                return 2;
            }
            switch (a) {
                case "--input", "--output" -> {
                    if ((a.equals("--input") ? input : output) != null) {
                        System.err.println(a + " given twice (" + (a.equals("--input") ? input : output) + ", " + v
                                + "): evaluate takes one"
                                + (a.equals("--input") ? " folder or file; put the volumes in one folder" : " folder"));
                        return 2;
                    }
                    if (a.equals("--input")) {
                        input = Path.of(v);
                    } else {
                        output = Path.of(v);
                    }
                }
                case "--model" -> models.add(Path.of(v));
                case "--max-slices" -> {
                    Integer n = positive(a, v);
                    if (n == null) {
                        return 2;
                    }
                    maxSlices = n;
                }
                case "--seed" -> {
                    try {
                        seed = Long.parseLong(v.trim());
                    } catch (NumberFormatException e) {
                        System.err.println("--seed " + v + ": give a whole number");
                        return 2;
                    }
                }
                case "--contrast" -> {
                    int eq = v.indexOf('=');
                    if (eq <= 0 || eq == v.length() - 1) {
                        System.err.println("--contrast " + v
                                + ": give <case>=<contrast>, the case's name as in results.csv and the contrast"
                                + " reported for it, e.g. --contrast register_T2w=T2");
                        return 2;
                    }
                    String before = contrasts.put(v.substring(0, eq), v.substring(eq + 1));
                    if (before != null && !before.equals(v.substring(eq + 1))) {
                        System.err.println("--contrast " + v + ": case " + v.substring(0, eq) + " was already given as "
                                + before + "; give each case one contrast");
                        return 2;
                    }
                }
                case "--self-ensemble" -> {
                    options = selfEnsemble(options, v);
                    if (options == null) {
                        return 2;
                    }
                }
                default -> {
                    System.err.println("unknown option " + a);
                    usage();
                    return 2;
                }
            }
            i++;
        }
        String missing = missing(
                input == null ? "--input <folder|file> (the high-quality volumes to degrade)" : null,
                output == null ? "--output <folder> (where results.csv, summary.md and the montages go)" : null);
        if (missing != null) {
            System.err.println("evaluate: " + missing);
            usage();
            return 2;
        }
        if (!Files.exists(input)) {
            System.err.println("input not found: " + input);
            return 2;
        }
        if (models.isEmpty()) {
            Path def = Path.of("models", "sri-default-x2");
            if (!Files.exists(def.resolve("config.json"))) {
                System.err.println("no --model given and no default model in " + def);
                return 2;
            }
            models.add(def);
        }
        for (Path m : models) {
            if (!modelFolder(m)) {
                return 2;
            }
        }
        if (!outputFolder(output)) {
            return 2;
        }
        Files.createDirectories(output);
        Map<Integer, Enhancer> enhancers = new TreeMap<>();
        Map<Integer, Path> folders = new HashMap<>();
        try {
            for (Path m : models) {
                Enhancer e = Enhancer.load(m, options);
                Path same = folders.putIfAbsent(e.config().scale(), m);
                if (same != null) {
                    e.close();
                    System.err.println("--model " + same + " and --model " + m + " are both x"
                            + e.config().scale()
                            + ": give one model per scale (evaluate them in two runs to compare them)");
                    return 2;
                }
                enhancers.put(e.config().scale(), e);
                System.err.printf(
                        "model %s %s (x%d, %s) on %s%n",
                        e.config().name(),
                        e.config().version(),
                        e.config().scale(),
                        e.config().preset(),
                        e.deviceName());
            }
            List<EvalCase> cases = new ArrayList<>();
            for (Path p : Inputs.find(input)) {
                cases.add(Inputs.load(p, contrasts));
                System.err.printf(
                        "case %s (%s): %dx%dx%d%n",
                        cases.get(cases.size() - 1).name(),
                        cases.get(cases.size() - 1).contrast(),
                        cases.get(cases.size() - 1).hq().width(),
                        cases.get(cases.size() - 1).hq().height(),
                        cases.get(cases.size() - 1).hq().depth());
            }
            if (cases.isEmpty()) {
                System.err.println("no NIfTI file or DICOM series found under " + input);
                return 2;
            }
            java.util.Set<String> unused = new java.util.TreeSet<>(contrasts.keySet());
            cases.forEach(c -> unused.remove(c.name()));
            if (!unused.isEmpty()) {
                System.err.println("--contrast " + String.join(", ", unused) + ": no such case (the cases are "
                        + cases.stream().map(EvalCase::name).toList() + ")");
                return 2;
            }
            long t0 = System.nanoTime();
            List<ResultRow> rows = new Evaluation(enhancers, maxSlices, seed).run(cases, output, System.err::println);
            Report.writeCsv(output.resolve("results.csv"), rows);
            String command = "./sri-node evaluate " + String.join(" ", args);
            List<String> notes = new ArrayList<>();
            enhancers
                    .values()
                    .forEach(e -> notes.add("- model: " + e.config().name() + " "
                            + e.config().version() + ", x" + e.config().scale() + ", preset "
                            + e.config().preset()
                            + (e.selfEnsemble() > 1
                                    ? ", geometric self-ensemble of " + e.selfEnsemble() + " orientations"
                                    : "")));
            notes.add(String.format(
                    "- %d case(s), at most %d slices each, seed %d, %.0f s",
                    cases.size(), maxSlices, seed, (System.nanoTime() - t0) / 1e9));
            Report.writeMarkdown(output.resolve("summary.md"), rows, command, notes);
            System.out.println(Files.readString(output.resolve("summary.md")));
            return 0;
        } finally {
            enhancers.values().forEach(Enhancer::close);
        }
    }
}
