package org.plscj.data;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The allocation-free base64 check accepts exactly what java.util.Base64's decoder accepts, with its messages. */
class Base64CheckTest {
    private static String decoderError(byte[] text) {
        try {
            Base64.getDecoder().decode(text);
            return null;
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
    }

    private static void assertAgrees(String text) {
        byte[] bytes = ("xx" + text + "yy").getBytes(StandardCharsets.ISO_8859_1);
        assertEquals(decoderError(text.getBytes(StandardCharsets.ISO_8859_1)),
                PlscRecord.base64Error(bytes, 2, bytes.length - 2), "'" + text + "'");
    }

    @Test
    void agreesWithTheDecoderOnEdgeCases() {
        for (String text : new String[] {"", "Q", "QQ", "QQ=", "QQ==", "QQ===", "QUE", "QUE=", "QUE==", "QUFB",
                "QUFB=", "=", "==", "Q=Q=", "QQ=Q", "QUFBQQ", "QUFBQ", "QU FB", "QUFB\r", "QUFB\n", "QUF-", "QUF_",
                "é", "QUFBQUFB", "QQ==QQ==", "QUE=QUFB"}) {
            assertAgrees(text);
        }
    }

    @Test
    void agreesWithTheDecoderOnRandomText() {
        SplittableRandom rng = new SplittableRandom(5);
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        for (int i = 0; i < 20_000; i++) {
            StringBuilder s = new StringBuilder();
            int n = rng.nextInt(14);
            for (int k = 0; k < n; k++) {
                int pick = rng.nextInt(100);
                s.append(pick < 85 ? alphabet.charAt(rng.nextInt(64)) : pick < 97 ? '=' : (char) rng.nextInt(256));
            }
            assertAgrees(s.toString());
        }
    }

    @Test
    void acceptsEveryEncoding() {
        SplittableRandom rng = new SplittableRandom(6);
        for (int n = 0; n < 200; n++) {
            byte[] data = new byte[n];
            rng.nextBytes(data);
            byte[] text = Base64.getEncoder().encode(data);
            assertEquals(null, PlscRecord.base64Error(text, 0, text.length));
            byte[] unpadded = Base64.getEncoder().withoutPadding().encode(data);
            assertEquals(null, PlscRecord.base64Error(unpadded, 0, unpadded.length));
        }
    }

    /** The outcome of one of the two line checks: the tab's position or the error's reason and message. */
    private static String outcome(java.util.function.Supplier<Integer> check) {
        try {
            return "tab " + check.get();
        } catch (PlscFormatException e) {
            return e.reason() + ": " + e.getMessage();
        }
    }

    @Test
    void theOnePassLineCheckAgreesWithTabSearchThenBase64Check() {
        SplittableRandom rng = new SplittableRandom(8);
        String chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        for (int i = 0; i < 20_000; i++) {
            StringBuilder s = new StringBuilder();
            int n = rng.nextInt(16);
            for (int k = 0; k < n; k++) {
                int pick = rng.nextInt(100);
                s.append(pick < 80 ? chars.charAt(rng.nextInt(64)) : pick < 88 ? '=' : pick < 96 ? '\t' : '!');
            }
            byte[] line = s.toString().getBytes(StandardCharsets.US_ASCII);
            String expected = outcome(() -> {
                int tab = PlscRecord.tab(line, 0, line.length, "f", 1);
                PlscRecord.checkBase64(line, 0, tab, "f", 1);
                return tab;
            });
            assertEquals(expected, outcome(() -> PlscRecord.checkedTab(line, 0, line.length, "f", 1)), "'" + s + "'");
        }
    }
}
