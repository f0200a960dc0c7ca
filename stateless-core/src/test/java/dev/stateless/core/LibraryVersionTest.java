package dev.stateless.core;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LibraryVersionTest {

    @Test
    void theMajorAndMinorAreReadFromTheUsualForms() {
        assertThat(LibraryVersion.parse("6.6.0.RELEASE")).contains(new LibraryVersion(6, 6));
        assertThat(LibraryVersion.parse("10.4")).contains(new LibraryVersion(10, 4));
        assertThat(LibraryVersion.parse("4.2.15.Final")).contains(new LibraryVersion(4, 2));
        assertThat(LibraryVersion.parse("7")).contains(new LibraryVersion(7, 0));
        assertThat(LibraryVersion.parse("2.20-rc1")).contains(new LibraryVersion(2, 20));
        assertThat(LibraryVersion.parse(null)).isEmpty();
        assertThat(LibraryVersion.parse("unknown")).isEmpty();
    }

    @Test
    void onlyAnOlderVersionIsRefusedAndTheMessageNamesBoth() {
        assertThat(LibraryVersion.tooOld("m", "Lib", "g:a", "9.37.4", 9, 37)).isEmpty();
        assertThat(LibraryVersion.tooOld("m", "Lib", "g:a", "10.0", 9, 37)).isEmpty();
        assertThat(LibraryVersion.tooOld("m", "Lib", "g:a", null, 9, 37)).isEmpty();
        assertThat(LibraryVersion.tooOld("m", "Lib", "g:a", "9.36.9", 9, 37))
                .hasValue("m needs Lib 9.37 or newer (g:a), but 9.36.9 is on the classpath");
        assertThat(LibraryVersion.tooOld("m", "Lib", "g:a", "8.99", 9, 37)).isPresent();
    }
}
