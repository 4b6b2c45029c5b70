/**
 * The {@code plsc} command line (picocli), one file per command; exit codes: 2 bad input, 3 peer lost, 4 non-finite,
 * 5 storage failure. Imports anything; nothing imports it.
 */
package org.plscj.cli;
