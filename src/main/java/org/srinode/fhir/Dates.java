package org.srinode.fhir;

import ca.uhn.fhir.model.api.TemporalPrecisionEnum;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Date;
import java.util.TimeZone;
import org.hl7.fhir.r4.model.DateTimeType;

/** DICOM DA/TM values to FHIR dates; null when absent or malformed (a bad header never stops publishing). */
final class Dates {
    private static final DateTimeFormatter DA = DateTimeFormatter.BASIC_ISO_DATE;

    private Dates() {}

    static Date date(String da) {
        try {
            return da.length() == 8
                    ? Date.from(LocalDate.parse(da, DA)
                            .atStartOfDay(ZoneId.systemDefault())
                            .toInstant())
                    : null;
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    static DateTimeType dateTime(String da, String tm) {
        try {
            if (da.length() != 8) {
                return null;
            }
            LocalDate d = LocalDate.parse(da, DA);
            String t = tm.replace(":", "");
            if (t.length() < 6) {
                return new DateTimeType(
                        Date.from(d.atStartOfDay(ZoneId.systemDefault()).toInstant()), TemporalPrecisionEnum.DAY);
            }
            LocalDateTime dt = d.atTime(
                    Integer.parseInt(t.substring(0, 2)),
                    Integer.parseInt(t.substring(2, 4)),
                    Integer.parseInt(t.substring(4, 6)));
            return new DateTimeType(
                    Date.from(dt.atZone(ZoneId.systemDefault()).toInstant()),
                    TemporalPrecisionEnum.SECOND,
                    TimeZone.getDefault());
        } catch (NumberFormatException | java.time.DateTimeException e) {
            return null;
        }
    }
}
