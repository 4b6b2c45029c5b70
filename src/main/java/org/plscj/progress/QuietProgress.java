package org.plscj.progress;

/** {@link Progress#quiet()}: every task is this one, which shows nothing. */
enum QuietProgress implements Progress, Progress.Task {
    INSTANCE;

    @Override
    public Task start(String name, long total, Unit unit) {
        return this;
    }

    @Override
    public void advance(long n) {}

    @Override
    public void advanceTo(long done) {}

    @Override
    public void close() {}
}
