package org.plscj.serve;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.plscj.data.ImageDecoder;
import org.plscj.data.PlscDataset;
import org.plscj.progress.Progress;

/**
 * {@code plsc predict}: embeddings of every image of a PLSC data directory (base64 records, in file
 * order) or of an image folder (*.jpg, *.jpeg, *.png, *.bmp, recursively, in sorted path order),
 * written as a float32 .npy matrix [images, emb_dim].
 */
public final class Predictor {
    private final EmbeddingEngine engine;
    private final int batchSize;
    private final boolean normalise;
    private final ImageDecoder decoder = new ImageDecoder(ImageDecoder.PLSC_SIZE, ImageDecoder.PLSC_SIZE, true);

    public Predictor(EmbeddingEngine engine, int batchSize, boolean normalise) {
        if (batchSize <= 0) {
            throw new IllegalArgumentException("--batch must be positive, got " + batchSize);
        }
        this.engine = engine;
        this.batchSize = batchSize;
        this.normalise = normalise;
    }

    /** Embeds everything in {@code data} into {@code out}; returns the number of images. */
    public long run(Path data, Path out) throws IOException {
        return run(data, out, Progress.quiet());
    }

    /** As above, reporting the bytes of a data directory, or the images of a folder, embedded to {@code progress}. */
    public long run(Path data, Path out, Progress progress) throws IOException {
        try (NpyWriter npy = new NpyWriter(out, engine.embDim())) {
            Batch batch = new Batch(npy);
            if (Files.isRegularFile(data.resolve(PlscDataset.FILE_LIST))) {
                PlscDataset.open(data).scan(PlscDataset.ReadOptions.strict(),
                        (record, text) -> batch.add(record.image(), record.file() + " line " + record.line()), progress, "predict");
            } else {
                List<Path> images = imageFiles(data);
                try (Progress.Task task = progress.start("predict", images.size(), Progress.Unit.IMAGES)) {
                    for (Path image : images) {
                        batch.add(Files.readAllBytes(image), image.toString());
                        task.advance(1);
                    }
                }
            }
            batch.flush();
            npy.commit();
            return npy.rows();
        }
    }

    private static List<Path> imageFiles(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException(dir + " is neither a PLSC data directory (with file_list.txt) nor an image folder");
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            List<Path> files = walk.filter(Files::isRegularFile)
                    .filter(p -> p.getFileName().toString().toLowerCase(Locale.ROOT).matches(".*\\.(jpe?g|png|bmp)")).sorted().toList();
            if (files.isEmpty()) {
                throw new IllegalArgumentException(dir + " holds no *.jpg, *.jpeg, *.png or *.bmp images");
            }
            return files;
        }
    }

    /** Decoded images waiting for the engine. */
    private final class Batch {
        private final NpyWriter npy;
        private final float[] packed = new float[batchSize * decoder.sampleSize()];
        private int size;

        Batch(NpyWriter npy) {
            this.npy = npy;
        }

        void add(byte[] encoded, String source) throws IOException {
            decoder.decodeInto(encoded, source, false, packed, size * decoder.sampleSize());
            if (++size == batchSize) {
                flush();
            }
        }

        void flush() throws IOException {
            if (size == 0) {
                return;
            }
            for (float[] row : engine.embed(packed, size)) {
                npy.write(normalise ? FaceServer.normalise(row) : row);
            }
            size = 0;
        }
    }
}
