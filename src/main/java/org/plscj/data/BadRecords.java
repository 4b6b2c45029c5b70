package org.plscj.data;

import java.util.EnumMap;
import java.util.Map;

/**
 * Bad records met in skip-bad mode, counted per reason with the first place each reason was seen,
 * so a skip is always reported, never a silent drop.
 */
public final class BadRecords {
    private final Map<BadReason, Long> counts = new EnumMap<>(BadReason.class);
    private final Map<BadReason, String> firstSeen = new EnumMap<>(BadReason.class);

    void add(PlscFormatException e) {
        counts.merge(e.reason(), 1L, Long::sum);
        firstSeen.putIfAbsent(e.reason(), e.getMessage());
    }

    /** Adds another tally's counts (keeping this one's first occurrences where both saw a reason). */
    void merge(BadRecords other) {
        other.counts.forEach((reason, n) -> counts.merge(reason, n, Long::sum));
        other.firstSeen.forEach(firstSeen::putIfAbsent);
    }

    /** Bad records of all reasons. */
    public long total() {
        return counts.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Bad records of one reason. */
    public long count(BadReason reason) {
        return counts.getOrDefault(reason, 0L);
    }

    /** One line per reason met: the count and the first occurrence; "bad records: 0" when clean. */
    public String report() {
        StringBuilder out = new StringBuilder("bad records: " + total());
        for (Map.Entry<BadReason, Long> e : counts.entrySet()) {
            out.append(String.format("%n  %-20s %d (first: %s)", e.getKey().name().toLowerCase(), e.getValue(),
                    firstSeen.get(e.getKey())));
        }
        return out.toString();
    }
}
