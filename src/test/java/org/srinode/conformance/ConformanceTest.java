package org.srinode.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.srinode.dicom.Part10;
import org.srinode.dimse.TransferSyntaxes;

/** The conformance statement must say what the code does. */
class ConformanceTest {
    private static final Path STATEMENT = Path.of("conformance/dicom-conformance.md");

    @Test
    void acceptedTransferSyntaxesAreExactlyThoseOfTheCode() throws Exception {
        String text = Files.readString(STATEMENT);
        String table = text.substring(text.indexOf("<!-- accepted-transfer-syntaxes"), text.indexOf("<!-- end -->"));
        Map<String, String> listed = new LinkedHashMap<>();
        Matcher m = Pattern.compile("^\\| ([0-9.]+) \\| (.+?) \\|$", Pattern.MULTILINE)
                .matcher(table);
        while (m.find()) {
            listed.put(m.group(1), m.group(2));
        }
        assertThat(listed).containsExactlyEntriesOf(TransferSyntaxes.ACCEPTED);
    }

    @Test
    void implementationIdentityMatches() throws Exception {
        String text = Files.readString(STATEMENT);
        assertThat(text).contains(Part10.IMPLEMENTATION_CLASS_UID).contains(Part10.IMPLEMENTATION_VERSION);
    }
}
