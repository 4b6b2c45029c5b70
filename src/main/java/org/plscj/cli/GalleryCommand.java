package org.plscj.cli;

import picocli.CommandLine.Command;

/** The {@code gallery} command group: persisted galleries of {@code plsc serve}. */
@Command(
        name = "gallery",
        mixinStandardHelpOptions = true,
        description = {
            "Tools for the persisted gallery of 'plsc serve --gallery-dir' (templates are biometric data: see README).",
            "",
            "  plsc gallery re-enrol --model BUNDLE --images ROOT --gallery-dir NEW_DIR"
        },
        subcommands = {GalleryReEnrolCommand.class})
final class GalleryCommand {}
