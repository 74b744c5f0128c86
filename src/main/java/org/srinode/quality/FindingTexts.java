package org.srinode.quality;

import java.util.Collection;
import java.util.List;
import java.util.Locale;

/**
 * The words of the assessment's findings, one wording for every place a person reads them: the assessment's reasons
 * (web page, series list, demo) and the FHIR Observation notes ({@code fhir.R4Bundle}). Slices count from 1 in slice
 * order, like the web page's previews and a viewer's image counter; the assessment's JSON keeps its indices from 0.
 * Long lists are cut after {@value #LISTED} entries with the number left out, so a note stays readable for a series of
 * thousands of slices.
 */
public final class FindingTexts {
    /** Entries of a list that are written out; the rest are counted. */
    public static final int LISTED = 12;

    private FindingTexts() {}

    /** Slice indices (from 0, in slice order, as in the assessment's JSON) counted from 1. */
    public static List<Integer> counted(Collection<Integer> indices) {
        return indices.stream().map(z -> z + 1).toList();
    }

    /** {@code v} as "[a, b, c]", cut after {@value #LISTED} entries: "[a, ..., l] and 7 more". */
    public static String abbreviate(List<?> v) {
        return v.size() <= LISTED ? v.toString() : v.subList(0, LISTED) + " and " + (v.size() - LISTED) + " more";
    }

    /** "2 slice(s) missing after slice 30, at [62.0, 64.0] mm along the slice normal". */
    public static String gap(Assessment.Gap g) {
        return String.format(
                Locale.ROOT,
                "%d slice(s) missing after slice %d, at %s mm along the slice normal",
                g.count(),
                g.afterIndex() + 1,
                abbreviate(g.positionsMm()));
    }

    /** "slice(s) [5, 9] repeat the position of the slice before", from indices counted from 0. */
    public static String duplicates(Collection<Integer> indices) {
        return "slice(s) " + abbreviate(counted(indices)) + " repeat the position of the slice before";
    }

    /** "irregular slice spacing after slice(s) [3]", from indices counted from 0. */
    public static String irregular(Collection<Integer> indices) {
        return "irregular slice spacing after slice(s) " + abbreviate(counted(indices));
    }

    /** "Instance Number(s) [4, 5] are missing" (Instance Numbers as the series carries them). */
    public static String missingInstanceNumbers(List<Integer> numbers) {
        return "Instance Number(s) " + abbreviate(numbers) + " are missing";
    }

    /** "slice 46: zero-filled rectangle of 20x16 pixels at (50, 40) inside the head"; x and y in pixels (column, row). */
    public static String region(Assessment.Region r) {
        return String.format(
                Locale.ROOT,
                "slice %d: %s rectangle of %dx%d pixels at (%d, %d) inside the head",
                r.slice() + 1,
                r.kind().equals("ZERO_FILLED") ? "zero-filled" : "constant",
                r.width(),
                r.height(),
                r.x(),
                r.y());
    }

    /** "blank or dropout slice(s) [51]", from indices counted from 0 (slices whose pixels decode: see {@link #undecodable}). */
    public static String dropouts(Collection<Integer> indices) {
        return "blank or dropout slice(s) " + abbreviate(counted(indices));
    }

    /**
     * "blank, dropout or undecodable slice(s) [4]": the assessment's {@code dropoutSlices} list, which holds both kinds
     * (the FHIR note has only that list; the reasons name the two kinds apart).
     */
    public static String dropoutSlices(Collection<Integer> indices) {
        return "blank, dropout or undecodable slice(s) " + abbreviate(counted(indices));
    }

    /** "pixel data of slice(s) [3] cannot be decoded" followed by {@code why}, from indices counted from 0. */
    public static String undecodable(Collection<Integer> indices, String why) {
        return "pixel data of slice(s) " + abbreviate(counted(indices)) + " cannot be decoded" + why;
    }
}
