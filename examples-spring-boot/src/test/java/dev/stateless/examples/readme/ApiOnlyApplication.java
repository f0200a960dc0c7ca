package dev.stateless.examples.readme;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpSession;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * "A new Spring Boot app": plain Spring MVC, nothing of ours in its code, no Spring Security (the
 * example module has it on the class path, so its auto-configuration is left out here). Outside the
 * shop's package, so that neither application scans the other.
 */
@SpringBootApplication(excludeName = {
        "org.springframework.boot.security.autoconfigure.SecurityAutoConfiguration",
        "org.springframework.boot.security.autoconfigure.UserDetailsServiceAutoConfiguration",
        "org.springframework.boot.security.autoconfigure.web.servlet.ServletWebSecurityAutoConfiguration",
        "org.springframework.boot.security.autoconfigure.web.servlet.SecurityFilterAutoConfiguration"})
public class ApiOnlyApplication {

    /** Orders placed by both instances (they run in one test JVM). */
    static final AtomicInteger PLACED = new AtomicInteger();

    @RestController
    static class Api {

        @PostMapping("/visits")
        Map<String, Object> visit(HttpServletRequest request, HttpSession session) {
            Integer visits = (Integer) session.getAttribute("visits");
            session.setAttribute("visits", visits == null ? 1 : visits + 1);
            return Map.of("user", request.getUserPrincipal().getName(), "visits", session.getAttribute("visits"));
        }

        @PostMapping("/orders/{item}")
        @ResponseStatus(HttpStatus.CREATED)
        Map<String, Object> order(@PathVariable String item, HttpServletRequest request) {
            return Map.of("order", PLACED.incrementAndGet(), "item", item, "user", request.getUserPrincipal().getName());
        }

        @GetMapping("/me")
        Map<String, Object> me(HttpServletRequest request) {
            return Map.of("user", request.getUserPrincipal().getName());
        }
    }
}
