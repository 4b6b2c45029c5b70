package org.plscj.serve;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The enrolled identities of {@code POST /v1/gallery}: per id the L2-normalised mean of its images'
 * normalised embeddings (the usual template). Enrolling an id again replaces it.
 *
 * <p>With a {@link GalleryStore} every change is on disk before the method returns; without one,
 * enrolments last as long as the process. Memory: dim floats per identity, plus one packed copy of
 * all templates for identification, rebuilt on the first query after a change.
 */
final class Gallery implements AutoCloseable {
    /** Ids: 1–128 characters, letters, digits and {@code . _ @ -}, not starting with a punctuation mark. */
    static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@-]{0,127}");
    /** Log records between snapshots: a replay reads at most this many records (about 2 KiB each at dim 512). */
    static final int SNAPSHOT_EVERY = 1000;

    /** The ids in enrolment order and their templates packed row by row [ids, dim]. */
    record Snapshot(List<String> ids, float[] templates, int dim) {}

    private final Map<String, float[]> templates = new LinkedHashMap<>();
    private final int dim;
    private final int maxSize;
    private final GalleryStore store;
    private Snapshot packed;

    private Gallery(int dim, int maxSize, Path dir, int snapshotEvery) throws IOException {
        if ((long) maxSize * dim > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("a gallery of " + maxSize + " identities × " + dim
                    + " floats does not fit one Java array; lower --max-gallery to at most " + (Integer.MAX_VALUE - 8) / dim);
        }
        this.dim = dim;
        this.maxSize = maxSize;
        this.store = dir == null ? null : GalleryStore.open(dir, dim, snapshotEvery, templates);
    }

    static Gallery inMemory(int dim, int maxSize) throws IOException {
        return new Gallery(dim, maxSize, null, SNAPSHOT_EVERY);
    }

    /** The gallery persisted in {@code dir}, replayed from its snapshot and log. */
    static Gallery open(Path dir, int dim, int maxSize, int snapshotEvery) throws IOException {
        return new Gallery(dim, maxSize, dir, snapshotEvery);
    }

    boolean durable() {
        return store != null;
    }

    /** A 400 naming the rule unless {@code id} is a valid identity name. */
    static String checkId(String id) {
        if (id == null || !ID.matcher(id).matches()) {
            throw new BadRequest("an identity id must be 1-128 characters: letters, digits and . _ @ - (not first), got "
                    + (id == null ? "none" : id.length() > 140 ? id.length() + " characters" : "'" + id + "'"));
        }
        return id;
    }

    /** Enrols {@code id} from the embeddings of its images; returns the gallery size. 409 when the gallery is full. */
    synchronized int enrol(String id, float[][] embeddings) throws IOException {
        if (!templates.containsKey(id) && templates.size() >= maxSize) {
            throw new BadRequest(409, "the gallery holds its limit of " + maxSize + " identities (--max-gallery); delete some first");
        }
        float[] mean = new float[dim];
        for (float[] e : embeddings) {
            float[] unit = FaceServer.normalise(e.clone());
            for (int j = 0; j < dim; j++) {
                mean[j] += unit[j];
            }
        }
        float[] template = FaceServer.normalise(mean);
        float[] old = templates.put(id, template);
        if (store != null) {
            try {
                store.enrolled(id, template, templates);
            } catch (IOException | RuntimeException e) {
                // why: an enrolment the disk refused is neither answered nor served
                restore(id, old);
                throw e;
            }
        }
        packed = null;
        return templates.size();
    }

    /** Removes {@code id}; false when it was not enrolled. */
    synchronized boolean delete(String id) throws IOException {
        if (!templates.containsKey(id)) {
            return false;
        }
        float[] old = templates.remove(id);
        if (store != null) {
            try {
                store.deleted(id, templates);
            } catch (IOException | RuntimeException e) {
                restore(id, old);
                throw e;
            }
        }
        packed = null;
        return true;
    }

    private void restore(String id, float[] old) {
        if (old == null) {
            templates.remove(id);
        } else {
            templates.put(id, old);
        }
    }

    synchronized List<String> ids() {
        return new ArrayList<>(templates.keySet());
    }

    synchronized Snapshot snapshot() {
        if (packed == null) {
            List<String> ids = new ArrayList<>(templates.keySet());
            float[] rows = new float[ids.size() * dim];
            for (int i = 0; i < ids.size(); i++) {
                System.arraycopy(templates.get(ids.get(i)), 0, rows, i * dim, dim);
            }
            packed = new Snapshot(List.copyOf(ids), rows, dim);
        }
        return packed;
    }

    /** Writes a last snapshot (so the next start-up replays no log) and closes the files. */
    @Override
    public synchronized void close() throws IOException {
        if (store != null) {
            try {
                store.snapshot(templates);
            } finally {
                store.close();
            }
        }
    }
}
