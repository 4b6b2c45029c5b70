package org.plscj.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/**
 * The step-time model's arithmetic against numbers derived by hand (comments show the derivation). Tolerances are
 * 1e-9 relative: the model is a handful of double operations, so only rounding in the last bits may differ.
 */
class TimePlanTest {
    private static final double REL = 1e-9;

    private static void close(double expected, double actual, String what) {
        assertEquals(expected, actual, REL * Math.abs(expected), what);
    }

    /** b = 64, D = 512, C = 1000, full softmax, P = 10M parameters, 32 img/s, 100 GFLOP/s head, 50 GB/s memory. */
    private static TimePlan.Workload workload(double bucketCapMb) {
        return new TimePlan.Workload(64, 512, 1000, 1.0, 10_000_000, bucketCapMb, 32, 100, 50);
    }

    @Test
    void oneWorkerIsBackbonePlusHeadWithoutCommunication() {
        TimePlan p = TimePlan.of(new TimePlan.Cluster(1, 1, 10, 1.2, 50), workload(25));
        // 64 images at 32 img/s; the update moves 20 bytes per parameter: 2e8 bytes at 5e10 B/s = 4 ms
        close(2000 + 4, p.backboneMs(), "backbone");
        // 6·64·512·1000 = 196,608,000 flops at 1e11/s = 1.96608 ms; 20·1000·512 = 10,240,000 bytes at 5e10/s = 0.2048 ms
        close(1.96608 + 0.2048, p.headMs(), "head");
        assertEquals(0, p.communicationMs());
        close(64 / ((2004 + 2.17088) / 1000), p.imagesPerS(), "img/s");
    }

    @Test
    void twoMachinesPayTheGradientAllReduceOverTheNetworkWithoutBuckets() {
        // 10 Gbit/s = 1.25e9 B/s; latency 0 to see the bandwidth terms alone
        TimePlan p = TimePlan.of(new TimePlan.Cluster(2, 1, 10, 1.2, 0), workload(0));
        // all-reduce of 4e7 bytes over a ring of 2: 2·(1/2)·4e7 / 1.25e9 = 32 ms, all of it exposed
        close(32, p.gradientCommMs(), "gradient all-reduce");
        close(32, p.exposedGradMs(), "bucket_cap_mb 0 exposes all of it");
        // N = 128 rows: features 128·512·4 = 262,144 B gathered and scattered (½ each way): 2 · 131,072 / 1.25e9 s;
        // labels 128·8 = 1,024 B (½); softmax all-reduces 2·½·(2·128·4) and 2·½·(3·128·4) = 1,024 + 1,536 B
        double bytes = 2 * 131_072 + 512 + 1_024 + 1_536;
        close(bytes / 1.25e9 * 1e3, p.featureCommMs(), "features, labels, ∂L/∂x, softmax statistics");
        // head: each machine holds 500 classes: 6·128·512·500 / 1e11 + 20·500·512 / 5e10
        close(6.0 * 128 * 512 * 500 / 1e8 + 20.0 * 500 * 512 / 5e7, p.headMs(), "head of a 500-class shard");
    }

    @Test
    void bucketsHideTheAllReduceBehindBackwardExceptTheLastBucket() {
        // backward = ⅔ · 2000 ms = 1333 ms ≫ 32 ms: only the last bucket's all-reduce is left, 2·½·25 MiB / 1.25e9
        TimePlan p = TimePlan.of(new TimePlan.Cluster(2, 1, 10, 1.2, 0), workload(25));
        close(32, p.gradientCommMs(), "the whole all-reduce still runs");
        close(25.0 * (1 << 20) / 1.25e9 * 1e3, p.exposedGradMs(), "last bucket");
        // a bucket larger than the gradient is the whole gradient
        close(32, TimePlan.of(new TimePlan.Cluster(2, 1, 10, 1.2, 0), workload(100)).exposedGradMs(), "one bucket");
    }

    @Test
    void aBackwardShorterThanTheAllReduceLeavesTheRestExposed() {
        // 0.5 Gbit/s = 6.25e7 B/s: all-reduce 4e7 / 6.25e7 = 640 ms; backbone 64/320 s = 200 ms, backward ⅔ of it;
        // the last 1 MiB bucket takes 16.8 ms, less than what backward leaves
        TimePlan.Workload fast = new TimePlan.Workload(64, 512, 1000, 1.0, 10_000_000, 1, 320, 100, 50);
        TimePlan p = TimePlan.of(new TimePlan.Cluster(2, 1, 0.5, 1.2, 0), fast);
        close(640, p.gradientCommMs(), "all-reduce");
        close(640 - 200.0 * 2 / 3, p.exposedGradMs(), "all-reduce − backward");
        assertEquals("communication", p.dominant(), "506.7 ms exposed against a 200 ms backbone");
    }

    @Test
    void onManyWorkersTheRingCarriesNearlyTwiceTheGradientAndPaysLatencyPerStep() {
        // 4 machines × 2 workers = 8: all-reduce 2·(7/8)·4e7 / min(1.25e9, 1.2e9) + 2·7·50 µs
        TimePlan p = TimePlan.of(new TimePlan.Cluster(4, 2, 10, 1.2, 50), workload(0));
        close((2 * 7.0 / 8 * 4e7 / 1.2e9 + 14 * 50e-6) * 1e3, p.gradientCommMs(), "8-worker ring");
    }

    @Test
    void workersOfOneMachineUseTheLocalRateAndNoNetworkLatency() {
        TimePlan p = TimePlan.of(new TimePlan.Cluster(1, 2, 10, 2, 50), workload(0));
        close(2 * 0.5 * 4e7 / 2e9 * 1e3, p.gradientCommMs(), "2 local workers at 2 GB/s");
    }

    @Test
    void hoursPerEpochFollowFromTheRate() {
        TimePlan p = TimePlan.of(new TimePlan.Cluster(1, 1, 10, 1.2, 50), workload(25));
        close(3_600_000 / p.imagesPerS() / 3600, p.hoursPerEpoch(3_600_000), "hours");
        assertEquals("backbone", p.dominant());
    }

    @Test
    void impossibleClustersAndRatesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new TimePlan.Cluster(0, 1, 10, 1.2, 50));
        assertThrows(IllegalArgumentException.class, () -> new TimePlan.Cluster(1, 1, 0, 1.2, 50));
        assertThrows(IllegalArgumentException.class, () -> new TimePlan.Workload(64, 512, 1000, 1.0, 1, 25, 0, 100, 50));
    }
}
