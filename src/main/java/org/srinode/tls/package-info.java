/**
 * The node's one TLS profile (BCP 195 / PS3.15 B.9 to B.11) and PEM key material, used by every listener and client:
 * HTTPS, DICOM as SCP and SCU, FHIR, syslog. Below {@code security}, {@code audit}, {@code dimse} and {@code fhir}.
 */
package org.srinode.tls;
