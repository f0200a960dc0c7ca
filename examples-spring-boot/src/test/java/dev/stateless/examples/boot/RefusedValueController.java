package dev.stateless.examples.boot;

import jakarta.servlet.http.HttpSession;
import java.io.Serializable;
import java.util.Map;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/** Test only: stores a session value of a type the codec was not told about (no {@code stateless.session.types}). */
@RestController
class RefusedValueController {

    record Dice(int sides) implements Serializable {
    }

    @PostMapping("/refused")
    Map<String, String> refused(HttpSession session) {
        session.setAttribute("note", "kept only if the whole save succeeds");
        session.setAttribute("dice", new Dice(6));
        return Map.of("stored", "dice");
    }
}
