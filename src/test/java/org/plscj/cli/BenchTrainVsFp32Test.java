package org.plscj.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code plsc bench train --mixed-precision --vs-fp32}: our fp32 step alternated with the bf16 one, and its ratio reported. */
class BenchTrainVsFp32Test {
    @Test
    void eachRoundRunsFp32AfterBf16AndTheReportedSpeedUpIsTheMedianOfTheRounds() {
        String out = PlscOutput.ofSuccess("bench", "train", "--model", "TinyFaceNet", "--emb", "16", "--classes", "50",
                "--batch", "2", "--steps", "1", "--warmup", "0", "--repeat", "3", "--threads", "1", "--mixed-precision", "--vs-fp32");
        double[] rounds = new double[3];
        for (int i = 0; i < 3; i++) {
            rounds[i] = figure(out, "bf16 speed-up in round " + (i + 1) + " (fp32 / bf16)");
            assertTrue(rounds[i] > 0, out);
        }
        Arrays.sort(rounds);
        assertEquals(rounds[1], figure(out, "bf16 speed-up, median of the rounds (fp32 / bf16)"), 0.0005, "printed with 3 decimals");
        assertTrue(figure(out, "fp32 step time, median of the rounds' medians") > 0, out);
        assertTrue(out.contains("\"bf16_speedup_vs_fp32_median\":"), out);
    }

    @Test
    void vsFp32WithoutMixedPrecisionIsRefusedAsBadInput() {
        CommandLine cl = Plsc.commandLine();
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err));
        int exit = cl.execute("bench", "train", "--model", "TinyFaceNet", "--vs-fp32");
        assertEquals(2, exit, err.toString());
        assertTrue(err.toString().contains("--vs-fp32") && err.toString().contains("--mixed-precision"), err.toString());
    }

    private static double figure(String output, String label) {
        Matcher m = Pattern.compile(Pattern.quote(label) + " +([0-9,.]+) ").matcher(output);
        assertTrue(m.find(), label + " in:\n" + output);
        return Double.parseDouble(m.group(1).replace(",", ""));
    }
}
