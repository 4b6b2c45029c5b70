package org.plscj.comm;

import java.util.Map;

/**
 * The torchrun launch contract: MASTER_ADDR, MASTER_PORT, WORLD_SIZE, RANK, LOCAL_RANK,
 * LOCAL_WORLD_SIZE. Missing WORLD_SIZE means a single process (rank 0 of 1).
 */
public record DistEnv(String masterAddr, int masterPort, int worldSize, int rank, int localRank, int localWorldSize) {
    public static final int DEFAULT_PORT = 29500;

    public DistEnv {
        if (worldSize < 1) {
            throw new IllegalArgumentException("WORLD_SIZE must be >= 1, got " + worldSize);
        }
        if (rank < 0 || rank >= worldSize) {
            throw new IllegalArgumentException("RANK must be in [0, WORLD_SIZE=" + worldSize + "), got " + rank);
        }
        if (masterPort < 1 || masterPort > 65535) {
            throw new IllegalArgumentException("MASTER_PORT must be in [1, 65535], got " + masterPort);
        }
    }

    public static DistEnv single() {
        return new DistEnv("127.0.0.1", DEFAULT_PORT, 1, 0, 0, 1);
    }

    public static DistEnv fromEnvironment() {
        return from(System.getenv());
    }

    public static DistEnv from(Map<String, String> env) {
        int world = intVar(env, "WORLD_SIZE", 1);
        int rank = intVar(env, "RANK", 0);
        return new DistEnv(
                env.getOrDefault("MASTER_ADDR", "127.0.0.1"),
                intVar(env, "MASTER_PORT", DEFAULT_PORT),
                world,
                rank,
                intVar(env, "LOCAL_RANK", rank),
                intVar(env, "LOCAL_WORLD_SIZE", world));
    }

    private static int intVar(Map<String, String> env, String name, int fallback) {
        String v = env.get(name);
        if (v == null || v.isBlank()) {
            return fallback;
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("environment variable " + name + " must be an integer, got '" + v + "'");
        }
    }
}
