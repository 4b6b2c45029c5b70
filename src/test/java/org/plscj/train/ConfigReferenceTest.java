package org.plscj.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import org.junit.jupiter.api.Test;

/** The configuration reference cannot drift from the defaults: both committed copies are what the file generates. */
class ConfigReferenceTest {
    private static final String STALE = " is not what the bundled defaults file generates; regenerate it with\n  "
            + ConfigReference.REGENERATE + "\n";

    @Test
    void docsConfigurationPageIsGeneratedFromTheDefaultsFile() throws Exception {
        assertEquals(ConfigReference.page(), Files.readString(ConfigReference.PAGE), ConfigReference.PAGE + STALE);
    }

    @Test
    void readmeConfigurationTableIsGeneratedFromTheDefaultsFile() throws Exception {
        String readme = Files.readString(ConfigReference.README);
        assertEquals(ConfigReference.readme(readme), readme, ConfigReference.README + STALE);
    }
}
