package org.plscj.comm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class DistEnvTest {
    @Test
    void readsTheTorchrunContract() {
        DistEnv env = DistEnv.from(Map.of("MASTER_ADDR", "10.0.0.1", "MASTER_PORT", "40000", "WORLD_SIZE", "8", "RANK", "5",
                "LOCAL_RANK", "1", "LOCAL_WORLD_SIZE", "4"));
        assertEquals(new DistEnv("10.0.0.1", 40000, 8, 5, 1, 4), env);
    }

    @Test
    void noVariablesMeansOneWorker() {
        assertEquals(DistEnv.single(), DistEnv.from(Map.of()));
    }

    @Test
    void badValuesNameTheVariable() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DistEnv.from(Map.of("WORLD_SIZE", "two")));
        assertTrue(e.getMessage().contains("WORLD_SIZE"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> DistEnv.from(Map.of("WORLD_SIZE", "2", "RANK", "2")));
        assertTrue(e.getMessage().contains("RANK"), e.getMessage());
    }
}
