package dev.loadfuse.picker.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loadfuse.common.testing.LargeFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CertificateFilesTest {

  @Test
  void oversizedCertificate_isRefusedAtStart_withOneLine(@TempDir Path dir) throws Exception {
    SelfSignedCertificate c = SelfSignedCertificate.generate();
    Files.writeString(dir.resolve(CertificateFiles.KEY_FILE), c.privateKeyPem());
    Path cert = LargeFiles.sparse(dir.resolve(CertificateFiles.CERT_FILE), 100L << 20);
    assertThatThrownBy(() -> new CertificateFiles(dir).read())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("--cert-path: " + cert + ": 104857600 bytes, larger than the 1 MiB limit for a PEM certificate");
  }

  @Test
  void keyGrownPastTheLimit_whileServing_keepsTheCurrentCertificate(@TempDir Path dir) throws Exception {
    SelfSignedCertificate c = SelfSignedCertificate.generate();
    Files.writeString(dir.resolve(CertificateFiles.CERT_FILE), c.certificatePem());
    Files.writeString(dir.resolve(CertificateFiles.KEY_FILE), c.privateKeyPem());
    CertificateFiles files = new CertificateFiles(dir);
    assertThat(files.read()).isNotNull();
    LargeFiles.sparse(dir.resolve(CertificateFiles.KEY_FILE), 100L << 20);
    assertThat(files.changed()).as("no reload from an oversized key").isNull();
  }
}
