package org.plscj.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/** A benchmark's --threads: the intra-op threads chosen in-process are the ones libtorch uses and the ones reported. */
class NativeThreadsTest {
    @Test
    void chosenThreadsAreUsedAndReported() {
        Native.load();
        int before = Native.intraOpThreads();
        try {
            Native.useIntraOpThreads(1);
            assertEquals(1, torch.get_num_threads());
            assertEquals(1, Native.intraOpThreads());
        } finally {
            Native.useIntraOpThreads(before);
        }
        assertEquals(before, torch.get_num_threads());
    }

    @Test
    void fewerThanOneThreadIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> Native.useIntraOpThreads(0));
    }
}
