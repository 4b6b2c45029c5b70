package org.plscj.data;

/** Why one data line is not a valid PLSC record; skip-bad mode counts bad records per reason. */
public enum BadReason {
    NO_TAB("no tab between the base64 image and the label"),
    BAD_BASE64("the image is not valid base64"),
    BAD_LABEL("the label is not an integer"),
    NEGATIVE_LABEL("the label is negative"),
    LABEL_OUT_OF_RANGE("the label is not below --num-classes"),
    BAD_IMAGE("the image does not decode"),
    LINE_TOO_LONG("the line is longer than the line length limit");

    private final String description;

    BadReason(String description) {
        this.description = description;
    }

    /** A short human-readable explanation, used in error messages and reports. */
    public String description() {
        return description;
    }
}
