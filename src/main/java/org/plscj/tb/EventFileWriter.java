package org.plscj.tb;

import com.google.protobuf.ByteString;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Map;
import org.plscj.tb.proto.Event;
import org.plscj.tb.proto.SessionLog;
import org.plscj.tb.proto.Summary;

/**
 * One TensorBoard event file, append-only: created new (never reopened, so a resumed run's events go to a file of their
 * own that TensorBoard merges with the earlier ones), starting with the {@value #FILE_VERSION} event. Each event is
 * written through to the file at once, so TensorBoard shows it while training runs; {@link #sync} makes what was
 * written durable. Holds no event after writing it.
 *
 * <pre>{@code
 * try (EventFileWriter events = EventFileWriter.create(saveDir.resolve("tb"))) {
 *     events.scalars(step, Map.of("train/loss", loss, "train/lr", lr));
 *     events.image("val/lfw/roc", step, pngBytes);
 *     events.sync();
 * }
 * }</pre>
 */
public final class EventFileWriter implements Closeable {
    /** What the first event of every file says; TensorBoard reads files whose version starts with "brain.Event:". */
    public static final String FILE_VERSION = "brain.Event:2";
    /** What every event file's name starts with; TensorBoard reads the files whose name holds "tfevents". */
    public static final String PREFIX = "events.out.tfevents.";

    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    private final Path file;
    private final FileChannel channel;

    private EventFileWriter(Path file, FileChannel channel) {
        this.file = file;
        this.channel = channel;
    }

    /**
     * Creates {@code <dir>/events.out.tfevents.<unix-seconds>.<host>} (with {@code .1}, {@code .2} … appended when a file
     * of that name exists: a second run in the same second) and writes the file-version event.
     */
    public static EventFileWriter create(Path dir) throws IOException {
        Files.createDirectories(dir);
        double now = wallTime();
        String base = PREFIX + (long) now + "." + hostName();
        for (int n = 0; ; n++) {
            Path file = dir.resolve(n == 0 ? base : base + "." + n);
            FileChannel channel;
            try {
                channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            } catch (FileAlreadyExistsException e) {
                continue;
            }
            EventFileWriter writer = new EventFileWriter(file, channel);
            try {
                writer.write(Event.newBuilder().setWallTime(now).setFileVersion(FILE_VERSION));
            } catch (IOException e) {
                channel.close();
                throw e;
            }
            return writer;
        }
    }

    public Path file() {
        return file;
    }

    /** One event at {@code step} with a simple_value (a float, as TensorBoard stores them) per tag, in the map's order. */
    public void scalars(long step, Map<String, Double> values) throws IOException {
        Summary.Builder summary = Summary.newBuilder();
        values.forEach((tag, value) -> summary.addValue(Summary.Value.newBuilder().setTag(tag).setSimpleValue(value.floatValue())));
        write(Event.newBuilder().setWallTime(wallTime()).setStep(step).setSummary(summary));
    }

    /** One event at {@code step} with a PNG image under {@code tag}; its size and colour space are read from the PNG's header. */
    public void image(String tag, long step, byte[] png) throws IOException {
        // why the header: width at 16, height at 20, colour type at 25 (PNG spec, IHDR is always the first chunk)
        if (png.length < 26 || !Arrays.equals(png, 0, PNG_SIGNATURE.length, PNG_SIGNATURE, 0, PNG_SIGNATURE.length)) {
            throw new IllegalArgumentException("image summary '" + tag + "' at step " + step + ": expected PNG bytes, got "
                    + png.length + " bytes without the PNG signature");
        }
        ByteBuffer header = ByteBuffer.wrap(png);
        Summary.Image image = Summary.Image.newBuilder().setWidth(header.getInt(16)).setHeight(header.getInt(20))
                .setColorspace(colorspace(png[25])).setEncodedImageString(ByteString.copyFrom(png)).build();
        write(Event.newBuilder().setWallTime(wallTime()).setStep(step)
                .setSummary(Summary.newBuilder().addValue(Summary.Value.newBuilder().setTag(tag).setImage(image))));
    }

    /**
     * A session start at {@code step}: TensorBoard then drops the events of earlier files at {@code step} and later (a run
     * that crashed after its last checkpoint logged them; the run resumed from that checkpoint logs them again).
     */
    public void sessionStart(long step) throws IOException {
        write(Event.newBuilder().setWallTime(wallTime()).setStep(step)
                .setSessionLog(SessionLog.newBuilder().setStatus(SessionLog.SessionStatus.START)));
    }

    /** Forces what was written to the disk (fsync). */
    public void sync() throws IOException {
        channel.force(false);
    }

    /** Syncs and closes. */
    @Override
    public void close() throws IOException {
        try (channel) {
            sync();
        }
    }

    private void write(Event.Builder event) throws IOException {
        ByteBuffer record = TfRecord.frame(event.build().toByteArray());
        while (record.hasRemaining()) {
            channel.write(record);
        }
    }

    /** TensorBoard's colour space numbers (summary.proto) for a PNG colour type. */
    private static int colorspace(byte pngColorType) {
        return switch (pngColorType) {
            case 0 -> 1;        // grey
            case 4 -> 2;        // grey + alpha
            case 6 -> 4;        // RGBA
            default -> 3;       // RGB, or a palette that decodes to RGB
        };
    }

    private static double wallTime() {
        return System.currentTimeMillis() / 1000.0;
    }

    /** The host's name as far as it is safe in a file name. */
    private static String hostName() {
        String name;
        try {
            name = InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            name = "localhost";
        }
        return name.replaceAll("[^A-Za-z0-9._-]", "_");
    }
}
