package org.plscj.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every recipe in recipes/ is a valid configuration, and the arcface_torch one keeps arcface_torch's numbers. */
class RecipesTest {
    private static final Path RECIPES = Path.of("recipes");

    @Test
    void everyRecipeLoads() throws IOException {
        List<Path> recipes;
        try (Stream<Path> files = Files.list(RECIPES)) {
            recipes = files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        assertFalse(recipes.isEmpty());
        for (Path recipe : recipes) {
            TrainConfigLoader.load(recipe, List.of());
        }
    }

    @Test
    void theWebFaceRecipeIsArcfaceTorchsWf42mPfc02R50() {
        TrainConfig c = TrainConfigLoader.load(RECIPES.resolve("webface_r50_pfc02.yaml"), List.of());
        assertEquals("poly", c.lrScheduler());
        assertEquals("sgd", c.optimizer());
        assertEquals(0.2, c.sampleRatio());
        // their lr 0.4 at a global batch of 8 × 512 = 4096
        assertEquals(0.4, LrSchedule.of(c, 8, 1000, c.totalSteps(1000)).baseLr(), 1e-12);
        assertEquals(2000, LrSchedule.of(c, 8, 1000, c.totalSteps(1000)).warmupSteps());
    }

    @Test
    void theViTRecipeIsArcfaceTorchsWf42mPfc03VitT() {
        TrainConfig c = TrainConfigLoader.load(RECIPES.resolve("webface_vit_t_pfc03.yaml"), List.of());
        assertEquals("adamw", c.optimizer());
        assertEquals(0.1, c.weightDecay());
        assertEquals(0.3, c.sampleRatio());
        assertEquals(0.0, c.maskRatio());
        // their lr 0.001 at a global batch of 8 × 512 = 4096, warm-up num_epoch // 10 = 4 epochs
        assertEquals(0.001, LrSchedule.of(c, 8, 1000, c.totalSteps(1000)).baseLr(), 1e-15);
        assertEquals(4000, LrSchedule.of(c, 8, 1000, c.totalSteps(1000)).warmupSteps());
    }
}
