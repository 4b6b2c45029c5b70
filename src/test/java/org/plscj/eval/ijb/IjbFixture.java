package org.plscj.eval.ijb;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Path;

/** src/test/resources/fixtures/ijb: the meta directory and eval_ijbc.py's numbers (make_ijb_fixture.py). */
final class IjbFixture {
    static final ObjectMapper JSON = new ObjectMapper();
    static final JsonNode ROOT = load();

    private IjbFixture() {}

    private static JsonNode load() {
        try (InputStream in = IjbFixture.class.getResourceAsStream("/fixtures/ijb/ijb_fixture.json")) {
            return JSON.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path dir() {
        try {
            return Path.of(IjbFixture.class.getResource("/fixtures/ijb").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static double[] doubles(JsonNode array) {
        double[] out = new double[array.size()];
        for (int i = 0; i < out.length; i++) {
            // Python's json writes inf as the string repr 'inf' in our thresholds lists
            out[i] = array.get(i).isTextual() ? Double.parseDouble(array.get(i).asText().replace("inf", "Infinity"))
                    : array.get(i).doubleValue();
        }
        return out;
    }

    /** img_feats as the script holds it, [images, 2·D]: f(x) | f(mirror(x)), float32. */
    static float[][] imageFeatures() {
        JsonNode rows = ROOT.get("img_feats");
        float[][] out = new float[rows.size()][];
        for (int i = 0; i < out.length; i++) {
            double[] row = doubles(rows.get(i));
            out[i] = new float[row.length];
            for (int j = 0; j < row.length; j++) {
                out[i][j] = (float) row[j];
            }
        }
        return out;
    }

    /** The features eval_ijbc.py pools: the two halves summed in float32 (F1) or the first half (F0). */
    static float[][] pooledInput(boolean flip) {
        float[][] both = imageFeatures();
        int dim = both[0].length / 2;
        float[][] out = new float[both.length][dim];
        for (int i = 0; i < both.length; i++) {
            for (int j = 0; j < dim; j++) {
                out[i][j] = flip ? both[i][j] + both[i][dim + j] : both[i][j];
            }
        }
        return out;
    }

    static float[] faceness() {
        double[] d = doubles(ROOT.get("faceness"));
        float[] out = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            out[i] = (float) d[i];
        }
        return out;
    }

    static FeatureModes modes(JsonNode mode) {
        return new FeatureModes(mode.get("flip").asBoolean(), mode.get("norm_score").asBoolean(), mode.get("detector_score").asBoolean());
    }
}
