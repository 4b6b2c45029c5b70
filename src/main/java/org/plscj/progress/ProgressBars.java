package org.plscj.progress;

import java.time.temporal.ChronoUnit;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress as a bar on an interactive terminal (me.tongfei:progressbar on stderr, redrawn in place once a second):
 * units done of the total, rate and ETA; bytes counted in MiB.
 */
public final class ProgressBars implements Progress {
    @Override
    public Task start(String name, long total, Unit unit) {
        ProgressBarBuilder builder = new ProgressBarBuilder().setTaskName(name).setInitialMax(total > 0 ? total : -1)
                .setStyle(ProgressBarStyle.ASCII).showSpeed().setSpeedUnit(ChronoUnit.SECONDS);
        ProgressBar bar = (unit == Unit.BYTES ? builder.setUnit(" MiB", 1 << 20) : builder.setUnit(" " + unit.label(), 1))
                .build();
        return new Task() {
            @Override
            public void advance(long n) {
                bar.stepBy(n);
            }

            @Override
            public void advanceTo(long done) {
                if (done > bar.getCurrent()) {
                    bar.stepTo(done);
                }
            }

            @Override
            public void close() {
                bar.close();
            }
        };
    }
}
