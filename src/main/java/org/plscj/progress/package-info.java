/**
 * How far a long operation is, for a person watching: {@link org.plscj.progress.Progress} is what the data, checkpoint,
 * evaluation and prediction code reports to (units done of a known or unknown total); a bar on an interactive terminal
 * ({@link org.plscj.progress.ProgressBars}), periodic plain lines otherwise ({@link org.plscj.progress.ProgressLines}),
 * or nothing. Depends on nothing else of PLSC-J.
 */
package org.plscj.progress;
