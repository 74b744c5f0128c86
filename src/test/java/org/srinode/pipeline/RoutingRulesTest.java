package org.srinode.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;

/**
 * The default routing rules as shipped in routes/node.yaml, evaluated with Camel's simple language on
 * the headers the assessment sets (issue 13 item 4): they follow the assessment's actions.
 */
class RoutingRulesTest {
    private static List<String> rules() throws Exception {
        JsonNode routes = new ObjectMapper(new YAMLFactory())
                .readTree(Path.of("routes/node.yaml").toFile());
        List<String> found = new ArrayList<>();
        for (JsonNode r : routes) {
            if ("assess".equals(r.at("/route/id").asText())) {
                r.findValues("choice")
                        .forEach(choice -> choice.path("when")
                                .forEach(w -> found.add(w.path("simple").asText())));
            }
        }
        return found;
    }

    private static boolean enhanced(Map<String, Object> headers) throws Exception {
        try (CamelContext camel = new DefaultCamelContext()) {
            camel.start();
            Exchange e = new DefaultExchange(camel);
            e.getIn().setHeaders(new java.util.HashMap<>(headers));
            for (String rule : rules()) {
                if (camel.resolveLanguage("simple").createPredicate(rule).matches(e)) {
                    return true;
                }
            }
            return false;
        }
    }

    private static Map<String, Object> headers(
            boolean applicable, String lowField, boolean lowRes, boolean incomplete, String actions) {
        return Map.of(
                AssessmentHeaders.ACTIONS,
                actions,
                "SriApplicable",
                applicable,
                "SriLowField",
                lowField,
                "SriLowResolution",
                lowRes,
                "SriIncomplete",
                incomplete);
    }

    @Test
    void aSeriesTheAssessmentSaysTheModelCannotImproveIsNotEnhancedEvenWhenIncomplete() throws Exception {
        assertThat(rules()).isNotEmpty();
        assertThat(enhanced(headers(true, "FALSE", false, true, "SKIP"))).isFalse();
    }

    @Test
    void whatTheModelCanDoIsEnhancedInScopeOnly() throws Exception {
        assertThat(enhanced(headers(true, "TRUE", false, false, "SR_X2"))).isTrue();
        assertThat(enhanced(headers(true, "FALSE", true, false, "SR_X4"))).isTrue();
        assertThat(enhanced(headers(true, "UNKNOWN", false, true, "FILL_SLICES")))
                .isTrue();
        assertThat(enhanced(headers(false, "TRUE", true, true, "SR_X2,FILL_SLICES")))
                .as("out of scope")
                .isFalse();
    }
}
