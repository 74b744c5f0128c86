package org.srinode.fhir;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.DefaultProfileValidationSupport;
import ca.uhn.fhir.validation.FhirValidator;
import ca.uhn.fhir.validation.ResultSeverityEnum;
import ca.uhn.fhir.validation.SingleValidationMessage;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.common.hapi.validation.support.CommonCodeSystemsTerminologyService;
import org.hl7.fhir.common.hapi.validation.support.InMemoryTerminologyServerValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.SnapshotGeneratingValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.ValidationSupportChain;
import org.hl7.fhir.common.hapi.validation.validator.FhirInstanceValidator;
import org.hl7.fhir.instance.model.api.IBaseResource;

/**
 * Validates resources against the base FHIR specification with HAPI's instance validator, offline
 * (structure definitions and code systems from the hapi-fhir-validation-resources jars). Building a
 * validator takes seconds, so there is one per version.
 */
public final class Validation {
    private static final Map<FhirVersion, FhirValidator> VALIDATORS = new EnumMap<>(FhirVersion.class);

    private Validation() {}

    /** Messages of severity error or fatal, as "location: message"; empty when the resource is valid. */
    public static List<String> errors(FhirVersion version, IBaseResource resource) {
        return messages(version, resource).stream()
                .filter(m -> m.getSeverity() == ResultSeverityEnum.ERROR || m.getSeverity() == ResultSeverityEnum.FATAL)
                .map(m -> m.getLocationString() + ": " + m.getMessage())
                .toList();
    }

    public static List<SingleValidationMessage> messages(FhirVersion version, IBaseResource resource) {
        return validator(version).validateWithResult(resource).getMessages();
    }

    private static synchronized FhirValidator validator(FhirVersion version) {
        return VALIDATORS.computeIfAbsent(version, v -> {
            FhirContext ctx = v.context();
            ValidationSupportChain chain = new ValidationSupportChain(
                    new DefaultProfileValidationSupport(ctx),
                    new InMemoryTerminologyServerValidationSupport(ctx),
                    new CommonCodeSystemsTerminologyService(ctx),
                    new SnapshotGeneratingValidationSupport(ctx));
            FhirValidator validator = ctx.newValidator();
            validator.registerValidatorModule(new FhirInstanceValidator(chain));
            return validator;
        });
    }
}
