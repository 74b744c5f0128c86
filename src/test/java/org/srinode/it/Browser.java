package org.srinode.it;

import java.util.Map;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/** Debian's headless Chromium: anonymous (it signs in through the login page), or every request with an Authorization header. */
final class Browser {
    private Browser() {}

    /** A 1280x900 window that is not signed in (it signs in through the login page); quit it when done. */
    static ChromeDriver anonymous() {
        return signedIn(null);
    }

    /** A 1280x900 window whose every request carries {@code authorization} (none when null); quit it when done. */
    static ChromeDriver signedIn(String authorization) {
        ChromeOptions options = new ChromeOptions();
        options.setBinary("/usr/bin/chromium");
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new java.io.File("/usr/bin/chromedriver"))
                .usingAnyFreePort()
                .build();
        ChromeDriver b = new ChromeDriver(service, options);
        b.manage().window().setSize(new Dimension(1280, 900));
        if (authorization != null) {
            b.executeCdpCommand("Network.enable", Map.of());
            b.executeCdpCommand(
                    "Network.setExtraHTTPHeaders", Map.of("headers", Map.of("Authorization", authorization)));
        }
        return b;
    }
}
