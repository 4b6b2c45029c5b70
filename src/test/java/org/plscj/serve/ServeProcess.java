package org.plscj.serve;

import java.nio.file.Path;

/**
 * A {@code plsc serve} in its own JVM for the tests that kill or signal it: a {@link SliceEngine}
 * instead of a model, port 0, then exactly the CLI's serve-until-signalled path.
 * Arguments: gallery directory (or "-" for none), engine delay per batch in ms, max batch.
 * Prints "listening on PORT" once it serves, and "exited cleanly" after a drained stop. libtorch is
 * loaded only if a request needs it (gallery identification), which keeps the start-up short.
 */
public final class ServeProcess {
    private ServeProcess() {}

    public static void main(String[] args) throws Exception {
        ServeConfig config = ServeConfig.defaults().withAddress("127.0.0.1", 0).withBatching(Integer.parseInt(args[2]), 0, 512)
                .withGallery(args[0].equals("-") ? null : Path.of(args[0]), 1000).withTimeouts(30_000, 20_000);
        FaceServer server = new FaceServer(new SliceEngine(Long.parseLong(args[1])), "slices", null, null, config);
        System.out.println("listening on " + server.start());
        server.serveUntilSignalled();
        System.out.println("exited cleanly");
        System.exit(0);
    }
}
