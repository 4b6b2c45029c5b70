package org.plscj.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.plscj.align.AlignImages;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code plsc data align}: faces aligned onto the ArcFace template from their 5 landmarks (AlignImages). */
@Command(
        name = "align",
        mixinStandardHelpOptions = true,
        description = {
            "Aligns faces the way insightface's models expect them: each image of the landmark file is warped by the",
            "similarity transform taking its 5 landmarks (left eye, right eye, nose tip, mouth corners) onto the",
            "112x112 ArcFace template, and written under --out with the same relative name.",
            "Landmark lines: 'name x1 y1 x2 y2 x3 y3 x4 y4 x5 y5 [score]' (IJB's <t>_name_5pts_score.txt layout).",
            "",
            "  plsc data align --landmarks faces.txt --images raw --out aligned",
            "  plsc data convert --from-folders aligned --out data"
        })
final class DataAlignCommand implements Callable<Integer> {
    @Option(names = "--landmarks", required = true, paramLabel = "FILE", description = "The landmark file.")
    Path landmarks;

    @Option(names = "--images", required = true, paramLabel = "DIR", description = "Where the images named in it are.")
    Path images;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Where the aligned 112x112 images go.")
    Path out;

    @Option(names = "--skip-bad", description = "Skip and list bad lines and images instead of stopping at the first.")
    boolean skipBad;

    @Mixin
    ProgressOptions progress;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        AlignImages.Summary summary = AlignImages.run(landmarks, images, out, skipBad, progress.progress());
        PrintWriter w = spec.commandLine().getOut();
        summary.skipped().forEach(s -> w.println("skipped: " + s));
        w.printf("aligned %d images into %s (%d skipped)%n", summary.aligned(), out, summary.skipped().size());
        w.flush();
        return summary.skipped().isEmpty() ? 0 : Plsc.BAD_INPUT;
    }
}
