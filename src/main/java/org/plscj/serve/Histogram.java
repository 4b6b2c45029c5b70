package org.plscj.serve;

import java.util.Locale;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/** A Prometheus histogram: cumulative bucket counts, sum and count, safe to observe from many threads. */
final class Histogram {
    private final double[] bounds;
    private final LongAdder[] counts;
    private final DoubleAdder sum = new DoubleAdder();
    private final LongAdder count = new LongAdder();

    Histogram(double... bounds) {
        this.bounds = bounds.clone();
        counts = new LongAdder[bounds.length];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = new LongAdder();
        }
    }

    void observe(double v) {
        for (int i = 0; i < bounds.length; i++) {
            if (v <= bounds[i]) {
                counts[i].increment();
            }
        }
        sum.add(v);
        count.increment();
    }

    long count() {
        return count.sum();
    }

    /** The exposition lines of this histogram as metric {@code name} with extra {@code labels} ("" or {@code a="b",}). */
    void render(StringBuilder out, String name, String labels) {
        for (int i = 0; i < bounds.length; i++) {
            out.append(String.format(Locale.ROOT, "%s_bucket{%sle=\"%s\"} %d%n", name, labels, bounds[i], counts[i].sum()));
        }
        out.append(String.format(Locale.ROOT, "%s_bucket{%sle=\"+Inf\"} %d%n", name, labels, count.sum()));
        String plain = labels.isEmpty() ? "" : "{" + labels.substring(0, labels.length() - 1) + "}";
        out.append(String.format(Locale.ROOT, "%s_sum%s %s%n%s_count%s %d%n", name, plain, sum.sum(), name, plain, count.sum()));
    }
}
