package org.srinode.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The provider's groups as the node's roles ({@link OidcRoles#roles}): mapped groups only, with the roles below. */
class OidcRolesTest {
    private static OidcSettings settings(Set<String> viewers, Set<String> operators, Set<String> admins) {
        return settings("https://idp.example.org", viewers, operators, admins);
    }

    private static OidcSettings settings(
            String issuer, Set<String> viewers, Set<String> operators, Set<String> admins) {
        return new OidcSettings() {
            public Optional<String> issuer() {
                return Optional.ofNullable(issuer);
            }

            public String clientId() {
                return "sri-node";
            }

            public Optional<String> clientSecret() {
                return Optional.empty();
            }

            public Optional<List<String>> scopes() {
                return Optional.empty();
            }

            public String rolesClaim() {
                return "groups";
            }

            public Optional<List<String>> audience() {
                return Optional.empty();
            }

            public Optional<Set<String>> viewerGroups() {
                return Optional.ofNullable(viewers);
            }

            public Optional<Set<String>> operatorGroups() {
                return Optional.ofNullable(operators);
            }

            public Optional<Set<String>> adminGroups() {
                return Optional.ofNullable(admins);
            }
        };
    }

    @Test
    void byDefaultNoGroupGivesARole() {
        OidcSettings none = settings(null, null, null);
        assertThat(OidcRoles.roles(Set.of("admin", "operator", "viewer"), none)).isEmpty();
    }

    @Test
    void groupsMappedToTheRoleNamesGiveThoseRolesAndTheOnesBelow() {
        OidcSettings s = settings(Set.of("viewer"), Set.of("operator"), Set.of("admin"));
        assertThat(OidcRoles.roles(Set.of("operator", "staff"), s)).containsExactlyInAnyOrder("operator", "viewer");
        assertThat(OidcRoles.roles(Set.of("admin"), s)).containsExactlyInAnyOrder("admin", "operator", "viewer");
        assertThat(OidcRoles.roles(Set.of("staff"), s)).isEmpty();
    }

    @Test
    void aGroupNamedLikeARoleGivesNothingUnlessMapped() {
        OidcSettings s = settings(Set.of("radiologists"), Set.of("radiology-it"), Set.of("sri-admins"));
        assertThat(OidcRoles.roles(Set.of("admin", "operator", "viewer"), s)).isEmpty();
        assertThat(OidcRoles.roles(Set.of("radiologists"), s)).containsExactly("viewer");
        assertThat(OidcRoles.roles(Set.of("radiologists", "radiology-it"), s))
                .containsExactlyInAnyOrder("operator", "viewer");
        assertThat(OidcRoles.roles(Set.of("sri-admins"), s)).containsExactlyInAnyOrder("admin", "operator", "viewer");
    }

    @Test
    void anEmptyIssuerMeansOff() {
        assertThat(settings("https://idp.example.org", Set.of(), Set.of(), Set.of())
                        .enabled())
                .isTrue();
        assertThat(settings("  ", Set.of(), Set.of(), Set.of()).enabled()).isFalse();
        assertThat(settings(null, Set.of(), Set.of(), Set.of()).enabled()).isFalse();
    }
}
