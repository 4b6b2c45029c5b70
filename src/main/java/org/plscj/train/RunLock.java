package org.plscj.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

/**
 * {@code <model_save_dir>/.lock}: rank 0 holds an exclusive lock on it for the whole run, so a second trainer
 * writing the same directory (which would delete the first one's partial saves and replace its checkpoints) is
 * refused, naming the holder. The lock is the operating system's ({@link FileChannel#tryLock}), released when
 * the holding process ends however it ends; the file also says who holds it (host, pid, since when), so
 * a lock left by a dead process is recognised, taken over and said.
 */
final class RunLock implements AutoCloseable {
    static final String FILE = ".lock";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final FileChannel channel;
    private final FileLock lock;

    private RunLock(Path file, FileChannel channel, FileLock lock) {
        this.file = file;
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Locks {@code saveDir} for this process.
     *
     * @throws ConfigException naming the holder when another live trainer holds it
     */
    static RunLock acquire(Path saveDir, PrintStream out) throws IOException {
        Files.createDirectories(saveDir);
        Path file = saveDir.resolve(FILE);
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null; // why: this JVM already runs a trainer on the directory
        }
        String previous = read(channel);
        if (lock == null) {
            channel.close();
            throw new ConfigException("model_save_dir", "model_save_dir " + saveDir + " is in use by another trainer ("
                    + holder(previous) + "); two runs writing one directory would replace each other's checkpoints."
                    + " Wait for it to end, or give this run another model_save_dir");
        }
        if (!previous.isBlank()) {
            out.println("plsc train: warning: taking over the lock of " + holder(previous) + " in " + file
                    + " (that process no longer holds it)");
        }
        ObjectNode me = JSON.createObjectNode();
        me.put("host", hostName());
        me.put("pid", ProcessHandle.current().pid());
        me.put("since", Instant.now().toString());
        channel.truncate(0);
        channel.write(ByteBuffer.wrap(JSON.writeValueAsBytes(me)), 0);
        channel.force(true);
        return new RunLock(file, channel, lock);
    }

    private static String read(FileChannel channel) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate((int) Math.min(channel.size(), 4096));
        channel.read(buf, 0);
        return new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8);
    }

    /** "host h, pid p, run r, since t" from a lock file's text, or what could be read of it. */
    private static String holder(String text) {
        try {
            JsonNode n = JSON.readTree(text);
            if (n != null && n.isObject()) {
                return "host " + n.path("host").asText("?") + ", pid " + n.path("pid").asText("?") + ", since " + n.path("since").asText("?");
            }
        } catch (IOException e) {
            // falls through: an unreadable lock file is still a held lock
        }
        return "holder unknown";
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "unknown-host";
        }
    }

    /** Removes the file, then releases the lock: a clean end leaves nothing to take over. */
    @Override
    public void close() {
        try {
            Files.deleteIfExists(file);
            lock.release();
            channel.close();
        } catch (IOException e) {
            // why ignore: the OS releases the lock with the process anyway; a leftover file is taken over next time
        }
    }
}
