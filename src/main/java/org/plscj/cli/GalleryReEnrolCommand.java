package org.plscj.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.plscj.serve.EmbeddingEngine;
import org.plscj.serve.GalleryReEnrolment;
import org.plscj.serve.ModelBundle;
import org.plscj.tensor.Native;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code plsc gallery re-enrol}: a new gallery for a model, from a folder of images per identity. */
@Command(
        name = "re-enrol",
        mixinStandardHelpOptions = true,
        description = {
            "Builds a new persisted gallery for --model from ROOT/<id>/<images> (one folder per identity; the folder",
            "name is the id), each identity's template made as POST /v1/gallery makes it, and bound to the model's",
            "fingerprint. A gallery stores templates, not images, and templates of one model cannot be converted to",
            "another's: after a model upgrade, re-enrol from the images you keep, then serve the new directory.",
            "",
            "  plsc gallery re-enrol --model bundle-v2 --images enrolment-photos --gallery-dir gallery-v2",
            "  plsc serve --model bundle-v2 --gallery-dir gallery-v2"
        })
final class GalleryReEnrolCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "BUNDLE", description = "The bundle the server will run.")
    Path model;

    @Option(names = "--engine", defaultValue = "torch", paramLabel = "torch|onnx",
            description = "Embed with libtorch or the bundle's ONNX graph, as the server will (default ${DEFAULT-VALUE}).")
    String engine;

    @Option(names = "--images", required = true, paramLabel = "ROOT", description = "One sub-folder of images per identity.")
    Path images;

    @Option(names = "--gallery-dir", required = true, paramLabel = "DIR", description = "The new gallery; must not exist or be empty.")
    Path galleryDir;

    @Option(names = "--max-gallery", defaultValue = "100000", description = "Identities at most (default ${DEFAULT-VALUE}).")
    int maxGallery;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Native.load();
        ModelBundle bundle = ModelBundle.open(model);
        try (EmbeddingEngine e = bundle.engine(engine)) {
            GalleryReEnrolment.Result r = GalleryReEnrolment.run(e, bundle.served(), images, galleryDir, maxGallery);
            spec.commandLine().getOut().printf("re-enrol: %d identities from %d images into %s, bound to model %s%n", r.identities(),
                    r.images(), galleryDir, bundle.fingerprint());
        }
        return 0;
    }
}
