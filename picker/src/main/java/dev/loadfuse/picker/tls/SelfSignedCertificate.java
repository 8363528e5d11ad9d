package dev.loadfuse.picker.tls;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.PemKeyCertOptions;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A self-signed serving certificate made at start (what {@code --secure-serving} does without
 * {@code --cert-path}, like the reference): RSA 2048, valid for ten years, for {@code localhost},
 * {@code 127.0.0.1} and {@code ::1}. Envoy does not verify the picker's certificate in the usual
 * setup; the point is an encrypted channel. Built with BouncyCastle, no JDK-internal classes.
 *
 * @param certificatePem the certificate, PEM
 * @param privateKeyPem the private key, PKCS#8 PEM
 */
public record SelfSignedCertificate(String certificatePem, String privateKeyPem) {

  public static final String SUBJECT = "CN=loadfuse-picker";

  public static SelfSignedCertificate generate() {
    try {
      KeyPairGenerator kpg = KeyPairGenerator.getInstance("RSA");
      kpg.initialize(2048, new SecureRandom());
      KeyPair kp = kpg.generateKeyPair();
      Instant now = Instant.now();
      X500Name name = new X500Name(SUBJECT);
      X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, new BigInteger(63, new SecureRandom()),
          Date.from(now.minus(Duration.ofDays(1))), Date.from(now.plus(Duration.ofDays(3650))), name, kp.getPublic());
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
          new GeneralName(GeneralName.dNSName, "localhost"),
          new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
          new GeneralName(GeneralName.iPAddress, "::1")}));
      X509Certificate cert = new JcaX509CertificateConverter()
          .getCertificate(b.build(new JcaContentSignerBuilder("SHA256withRSA").build(kp.getPrivate())));
      return new SelfSignedCertificate(pem(cert), pem(new JcaPKCS8Generator(kp.getPrivate(), null)));
    } catch (GeneralSecurityException | OperatorCreationException e) {
      throw new IllegalStateException("cannot generate a self-signed certificate: " + e, e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Vert.x key/cert options holding this certificate. */
  public PemKeyCertOptions keyCertOptions() {
    return new PemKeyCertOptions().setCertValue(Buffer.buffer(certificatePem)).setKeyValue(Buffer.buffer(privateKeyPem));
  }

  private static String pem(Object o) throws IOException {
    StringWriter w = new StringWriter();
    try (JcaPEMWriter pw = new JcaPEMWriter(w)) {
      pw.writeObject(o);
    }
    return w.toString();
  }
}
