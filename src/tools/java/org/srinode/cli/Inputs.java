package org.srinode.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.srinode.dicom.DicomSeriesReader;
import org.srinode.evaluate.EvalCase;
import org.srinode.volume.Nifti;
import org.srinode.volume.Volume;

/** Finds volumes under a folder: NIfTI files, and folders of DICOM files (one series each). */
final class Inputs {
    private static final Pattern IXI = Pattern.compile("IXI-(PD|T1|T2)", Pattern.CASE_INSENSITIVE);
    private static final Pattern TOKEN = Pattern.compile("(?i)(?:^|[^a-z0-9])(t1|t2|pd|flair)(?:[^a-z0-9]|$)");

    private Inputs() {}

    static List<Path> find(Path root) throws IOException {
        List<Path> found = new ArrayList<>();
        if (Files.isRegularFile(root)) {
            found.add(root);
            return found;
        }
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : (Iterable<Path>) s.sorted()::iterator) {
                String n = p.getFileName().toString();
                if (Files.isRegularFile(p) && (n.endsWith(".nii") || n.endsWith(".nii.gz"))) {
                    found.add(p);
                } else if (Files.isDirectory(p) && hasDicom(p)) {
                    found.add(p);
                }
            }
        }
        return found;
    }

    static Volume read(Path p) throws IOException {
        return Files.isDirectory(p) ? DicomSeriesReader.read(p) : Nifti.read(p);
    }

    static EvalCase load(Path p, Map<String, String> contrastOverrides) throws IOException {
        String name = p.getFileName().toString().replaceAll("\\.nii(\\.gz)?$", "");
        String contrast = contrastOverrides.getOrDefault(name, contrastOf(p));
        return new EvalCase(name, contrast, read(p));
    }

    static String contrastOf(Path p) {
        Matcher m = IXI.matcher(p.toString());
        if (m.find()) {
            return m.group(1).toUpperCase(Locale.ROOT);
        }
        Matcher t = TOKEN.matcher(p.getFileName().toString());
        return t.find() ? t.group(1).toUpperCase(Locale.ROOT) : "unknown";
    }

    private static boolean hasDicom(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            for (Path f : (Iterable<Path>) s.filter(Files::isRegularFile).limit(5)::iterator) {
                try (InputStream in = Files.newInputStream(f)) {
                    byte[] head = in.readNBytes(132);
                    if (head.length == 132
                            && head[128] == 'D'
                            && head[129] == 'I'
                            && head[130] == 'C'
                            && head[131] == 'M') {
                        return true;
                    }
                }
            }
        }
        return false;
    }
}
