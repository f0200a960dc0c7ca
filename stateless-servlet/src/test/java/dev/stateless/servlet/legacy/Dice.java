package dev.stateless.servlet.legacy;

import java.io.Serializable;
import java.util.Random;

/**
 * A Serializable bean with private state only: a {@link Random}, a counter without setter, no
 * no-argument constructor. Only Java serialization carries it faithfully.
 */
public final class Dice implements Serializable {

    private static final long serialVersionUID = 1L;

    private final Random random;
    private int rolls;

    public Dice(long seed) {
        this.random = new Random(seed);
    }

    public int roll() {
        rolls++;
        return random.nextInt(1_000_000);
    }

    public int rolls() {
        return rolls;
    }
}
