package org.plscj.remote;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A directory of append-only logs (TensorBoard's event files) uploaded beside the checkpoints. */
class RemoteUploadsTest {
    @TempDir
    Path tmp;

    /** {@code dir://} storage that records every file put. */
    private static final class Recording extends DirectoryRemoteStorage {
        final List<String> puts = new ArrayList<>();

        Recording() {
            super(1, 1);
        }

        @Override
        public void putFile(Path localFile, long length, URI remoteDir) {
            super.putFile(localFile, length, remoteDir);
            synchronized (puts) {
                puts.add(localFile.getFileName() + ":" + length);
            }
        }
    }

    private static byte[] bytes(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 31 + seed);
        }
        return b;
    }

    @Test
    void logFilesAreUploadedAsWrittenAndAgainOnlyWhenTheyGrew() throws Exception {
        Path logs = Files.createDirectories(tmp.resolve("tb"));
        Path a = Files.write(logs.resolve("events.out.tfevents.1.host"), bytes(100, 1));
        Path b = Files.write(logs.resolve("events.out.tfevents.2.host"), bytes(50, 2));
        Path remote = tmp.resolve("remote");
        URI remoteTb = URI.create("dir://" + remote.toAbsolutePath() + "/tb");
        Recording storage = new Recording();
        List<String> failed = new ArrayList<>();
        try (RemoteUploads uploads = new RemoteUploads(storage, URI.create("dir://" + remote.toAbsolutePath() + "/checkpoints"), 2,
                failed::add)) {
            uploads.submitFiles(logs, remoteTb);
            Files.write(a, bytes(20, 3), StandardOpenOption.APPEND);
            uploads.submitFiles(logs, remoteTb);
            assertEquals(List.of(), uploads.finish());
        }
        assertEquals(List.of(), failed);
        // the first submit sends each file as long as it was then, the second only the one that grew
        assertEquals(List.of("events.out.tfevents.1.host:100", "events.out.tfevents.2.host:50", "events.out.tfevents.1.host:120"),
                storage.puts);
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(remote.resolve("tb").resolve(a.getFileName())));
        assertArrayEquals(Files.readAllBytes(b), Files.readAllBytes(remote.resolve("tb").resolve(b.getFileName())));
        try (Stream<Path> s = Files.list(remote.resolve("tb"))) {
            assertFalse(s.anyMatch(p -> p.getFileName().toString().endsWith(".partial")), "no partial left remotely");
        }
    }

    @Test
    void onlyTheBytesWrittenWhenAskedAreSent() throws Exception {
        Path log = Files.write(tmp.resolve("events.out.tfevents.1.host"), bytes(300, 4));
        Path remote = Files.createDirectories(tmp.resolve("remote"));
        new DirectoryRemoteStorage().putFile(log, 200, URI.create("dir://" + remote.toAbsolutePath()));
        byte[] sent = Files.readAllBytes(remote.resolve(log.getFileName()));
        assertArrayEquals(java.util.Arrays.copyOf(Files.readAllBytes(log), 200), sent);
    }

    @Test
    void askingForMoreBytesThanTheFileHoldsFailsNamingIt() throws Exception {
        Path log = Files.write(tmp.resolve("events.out.tfevents.1.host"), bytes(10, 5));
        Path remote = tmp.resolve("remote");
        RuntimeException e = assertThrows(RuntimeException.class,
                () -> new DirectoryRemoteStorage().putFile(log, 11, URI.create("dir://" + remote.toAbsolutePath())));
        assertTrue(e.getMessage().contains(log + " holds 10 bytes, fewer than the 11 to upload"), e.getMessage());
        assertFalse(Files.exists(remote.resolve(log.getFileName())));
    }
}
