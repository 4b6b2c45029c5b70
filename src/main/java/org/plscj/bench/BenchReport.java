package org.plscj.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * A benchmark's results, each figure recorded once and shown twice: as a row of a readable table
 * (label, value, unit) and as a field of one compact JSON object, so the two never disagree.
 * Facts that only describe the run (names, dates) go to the JSON alone.
 */
public final class BenchReport {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ObjectNode json = JSON.createObjectNode();
    private final List<String> table = new ArrayList<>();

    /** Starts a titled group of rows in the table. */
    public BenchReport section(String title) {
        table.add(title);
        return this;
    }

    /** A figure in the table and the JSON; NaN (not measured) becomes JSON null. */
    public BenchReport figure(String key, String label, double value, String unit) {
        boolean whole = value == Math.rint(value) && Math.abs(value) < 1e15;
        String shown = Double.isNaN(value) ? "-" : whole ? String.format("%,d", (long) value) : String.format("%,.3f", value);
        table.add(String.format("  %-44s %16s %s", label, shown, unit));
        if (Double.isNaN(value)) {
            json.putNull(key);
        } else if (whole) {
            json.put(key, (long) value);
        } else {
            // why: three decimals of a millisecond or a MiB is below any run-to-run noise here
            json.put(key, Math.round(value * 1000) / 1000.0);
        }
        return this;
    }

    /** A text figure in the table and the JSON. */
    public BenchReport figure(String key, String label, String value) {
        table.add(String.format("  %-44s %16s", label, value));
        json.put(key, value);
        return this;
    }

    /** A JSON-only fact. */
    public BenchReport fact(String key, String value) {
        json.put(key, value);
        return this;
    }

    /** A JSON-only fact. */
    public BenchReport fact(String key, long value) {
        json.put(key, value);
        return this;
    }

    /** A JSON-only fact. */
    public BenchReport fact(String key, double value) {
        json.put(key, value);
        return this;
    }

    /** A JSON-only fact. */
    public BenchReport fact(String key, boolean value) {
        json.put(key, value);
        return this;
    }

    /** The table, one line per row. */
    public String table() {
        return String.join(System.lineSeparator(), table);
    }

    /** The compact JSON object. */
    public String json() {
        return json.toString();
    }
}
