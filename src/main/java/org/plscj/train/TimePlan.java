package org.plscj.train;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code plsc plan --time}: how long a training step takes on a cluster, from a few rates, and what a recipe costs.
 *
 * <pre>
 *   step = backbone + head + communication
 *   backbone      = b / r + 20·P / M               b images per worker, r img/s of one worker (forward + backward, measured
 *                                                  or the floor); its SGD update reads θ, ∇θ, v and writes θ, v: 20 bytes
 *                                                  per parameter at memory bandwidth M
 *   head          = 6·N·D·n / F_head + 20·n·D / M  N = W·b rows, n = ⌈C/W⌉·sample_ratio classes of the shard, F_head its
 *                                                  flop rate; the SGD update reads W, ∇W, v and writes W, v (20 bytes per
 *                                                  weight) at memory bandwidth M
 *   communication = ring(all-gather features N·D·4) + ring(all-gather labels N·8) + ring(reduce-scatter of ∂L/∂x N·D·4)
 *                   + 2 × all-reduce of the softmax's [2|3, N] statistics + the gradient all-reduce's exposed part
 *   ring(S)       = k·(W−1)/W·S / B + k·(W−1)·α     k = 1 (all-gather, reduce-scatter) or 2 (all-reduce); B the bandwidth of
 *                                                  the slowest link of the ring, α its latency
 *   exposed       = ring(P·4)                           one all-reduce after backward (bucket_cap_mb 0)
 *                 = max(ring(P·4) − backward, ring(cap))  buckets overlapped with backward (backward = ⅔ of b / r)
 * </pre>
 *
 * The ring: Gloo's collectives pass every byte around a ring of all W workers; with the workers of a machine
 * consecutive in it, each machine has one link out of the ring and one in, so on more than one machine that link (the
 * network, B = bandwidth) is the bottleneck, and on one machine the local copy rate is. Not modelled: the CPU time the
 * collectives take from the computation on the same cores, the data loader (it runs in its own threads), stragglers.
 *
 * @param backboneMs     forward, backward and update of the backbone, per step
 * @param headMs         the head's GEMMs and update
 * @param featureCommMs  features and labels gathered, ∂L/∂x scattered, the softmax's two all-reduces
 * @param gradientCommMs the whole gradient all-reduce
 * @param exposedGradMs  the part of it the step waits for
 */
public record TimePlan(double backboneMs, double headMs, double featureCommMs, double gradientCommMs, double exposedGradMs,
        Cluster cluster, Workload workload) {

    /**
     * Where the training runs.
     *
     * @param nodes           machines
     * @param procsPerNode    workers per machine
     * @param bandwidthGbit   network bandwidth of a machine, each way, Gbit/s
     * @param localGbyteS     the rate of a collective between workers of one machine, GB/s (Gloo over loopback)
     * @param latencyUs       latency of one ring step over the network, µs
     */
    public record Cluster(int nodes, int procsPerNode, double bandwidthGbit, double localGbyteS, double latencyUs) {
        public Cluster {
            if (nodes < 1 || procsPerNode < 1) {
                throw new IllegalArgumentException("nodes and workers per node must be at least 1, got " + nodes + " and " + procsPerNode);
            }
            if (!(bandwidthGbit > 0) || !(localGbyteS > 0) || !(latencyUs >= 0)) {
                throw new IllegalArgumentException("bandwidths must be positive and the latency ≥ 0, got " + bandwidthGbit + " Gbit/s, "
                        + localGbyteS + " GB/s, " + latencyUs + " µs");
            }
        }

        public int workers() {
            return nodes * procsPerNode;
        }

        /** Bytes per second of the ring's slowest link: the network's, or the local one's when the ring has local links. */
        double ringBytesPerS() {
            double network = bandwidthGbit * 1e9 / 8;
            double local = localGbyteS * 1e9;
            if (nodes == 1) {
                return local;
            }
            return procsPerNode > 1 ? Math.min(network, local) : network;
        }

        /** Seconds per ring step: the network's latency across machines; on one machine a copy's start-up is ignored. */
        double ringStepS() {
            return nodes > 1 ? latencyUs * 1e-6 : 0;
        }
    }

    /**
     * What is trained, and how fast one worker computes.
     *
     * @param batchPerWorker       b
     * @param embDim               D
     * @param numClasses           C
     * @param sampleRatio          Partial FC's fraction of each shard's classes per step
     * @param backboneParameters   P (trained parameters of the backbone)
     * @param bucketCapMb          0 = one all-reduce after backward
     * @param backboneImagesPerS   r: training images per second of one worker's backbone (forward + backward)
     * @param headGflops           F_head: flop rate of one worker's head GEMMs, 10⁹/s
     * @param memoryGbyteS         M: memory bandwidth of one worker, GB/s
     */
    public record Workload(int batchPerWorker, int embDim, long numClasses, double sampleRatio, long backboneParameters,
            double bucketCapMb, double backboneImagesPerS, double headGflops, double memoryGbyteS) {
        public Workload {
            if (batchPerWorker < 1 || embDim < 1 || numClasses < 1 || backboneParameters < 0) {
                throw new IllegalArgumentException("batch, embedding size and classes must be positive");
            }
            if (!(backboneImagesPerS > 0) || !(headGflops > 0) || !(memoryGbyteS > 0) || !(bucketCapMb >= 0)
                    || !(sampleRatio > 0 && sampleRatio <= 1)) {
                throw new IllegalArgumentException("rates must be positive, bucket_cap_mb ≥ 0 and sample_ratio in (0, 1]");
            }
        }
    }

    /** The plan of one step. */
    public static TimePlan of(Cluster cluster, Workload w) {
        int workers = cluster.workers();
        double rows = (double) w.batchPerWorker() * workers;
        double shardClasses = Math.ceil((double) w.numClasses() / workers) * w.sampleRatio();
        double computeS = w.batchPerWorker() / w.backboneImagesPerS();
        double backboneS = computeS + 20.0 * w.backboneParameters() / (w.memoryGbyteS() * 1e9);
        double headS = 6 * rows * w.embDim() * shardClasses / (w.headGflops() * 1e9)
                + 20 * shardClasses * w.embDim() / (w.memoryGbyteS() * 1e9);
        double features = rows * w.embDim() * 4;
        double featureCommS = ring(cluster, 1, features) + ring(cluster, 1, rows * 8) + ring(cluster, 1, features)
                + ring(cluster, 2, 2 * rows * 4) + ring(cluster, 2, 3 * rows * 4);
        double gradientBytes = w.backboneParameters() * 4.0;
        double gradientS = ring(cluster, 2, gradientBytes);
        double exposedS = gradientS;
        if (w.bucketCapMb() > 0 && workers > 1) {
            double backwardS = computeS * 2 / 3;
            double lastBucketS = ring(cluster, 2, Math.min(gradientBytes, w.bucketCapMb() * (1 << 20)));
            exposedS = Math.max(gradientS - backwardS, lastBucketS);
        }
        return new TimePlan(backboneS * 1e3, headS * 1e3, featureCommS * 1e3, gradientS * 1e3, exposedS * 1e3, cluster, w);
    }

    /** Seconds of a ring collective over all workers on {@code bytes} (k = 1: all-gather or reduce-scatter; 2: all-reduce). */
    static double ring(Cluster cluster, int k, double bytes) {
        int workers = cluster.workers();
        if (workers == 1) {
            return 0;
        }
        return k * (workers - 1.0) / workers * bytes / cluster.ringBytesPerS() + k * (workers - 1.0) * cluster.ringStepS();
    }

    public double communicationMs() {
        return featureCommMs + exposedGradMs;
    }

    public double stepMs() {
        return backboneMs + headMs + communicationMs();
    }

    /** Images per second over all workers. */
    public double imagesPerS() {
        return (double) workload.batchPerWorker() * cluster.workers() / (stepMs() / 1e3);
    }

    /** Hours to pass {@code images} images once. */
    public double hoursPerEpoch(long images) {
        return images / imagesPerS() / 3600;
    }

    /** The three terms of a step, largest first in {@link #dominant}. */
    public Map<String, Double> terms() {
        Map<String, Double> out = new LinkedHashMap<>();
        out.put("backbone", backboneMs);
        out.put("head", headMs);
        out.put("communication", communicationMs());
        return out;
    }

    /** The term that takes the largest part of a step. */
    public String dominant() {
        return terms().entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
    }
}
