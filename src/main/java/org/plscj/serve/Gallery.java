package org.plscj.serve;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The enrolled identities of {@code POST /v1/gallery}: per id the L2-normalised mean of its images'
 * normalised embeddings (the usual template). Held in memory; enrolling an id again replaces it.
 */
final class Gallery {
    /** The ids in enrolment order and their templates packed row by row [ids, dim]. */
    record Snapshot(List<String> ids, float[] templates, int dim) {}

    private final Map<String, float[]> templates = new LinkedHashMap<>();

    /** Enrols {@code id} from the embeddings of its images; returns the gallery size. */
    synchronized int enrol(String id, float[][] embeddings) {
        float[] mean = new float[embeddings[0].length];
        for (float[] e : embeddings) {
            float[] unit = FaceServer.normalise(e.clone());
            for (int j = 0; j < mean.length; j++) {
                mean[j] += unit[j];
            }
        }
        templates.put(id, FaceServer.normalise(mean));
        return templates.size();
    }

    synchronized Snapshot snapshot() {
        List<String> ids = new ArrayList<>(templates.keySet());
        int dim = ids.isEmpty() ? 0 : templates.get(ids.get(0)).length;
        float[] packed = new float[ids.size() * dim];
        for (int i = 0; i < ids.size(); i++) {
            System.arraycopy(templates.get(ids.get(i)), 0, packed, i * dim, dim);
        }
        return new Snapshot(ids, packed, dim);
    }
}
