using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace HaCore.Fuzz.Targets;

/// <summary>
/// Certificates for the TLS targets, the same bytes in every process: fixed RSA keys (made for these
/// targets only; they protect nothing), fixed validity, serials and names, and PKCS#1 signatures, which
/// are deterministic. So a regenerated corpus is byte for byte the committed one.
/// </summary>
internal static class FuzzCertificates
{
    public const string Cluster = "fuzz-cluster";

    /// <summary>A moment inside every certificate's validity: the targets check trust at this time.</summary>
    public static readonly DateTime Now = new(2027, 6, 1, 12, 0, 0, DateTimeKind.Local);

    private static readonly DateTimeOffset NotBefore = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset NotAfter = new(2036, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private const string CaKeyPem = """
-----BEGIN PRIVATE KEY-----
MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQCq8B3lnF1pVPpy
gssvm3LiScN9BdlIT9gtUqOB9iyKyf4z3ZKbN1YN+y1aVvYWUpkU0mYrbEUgEbVv
eLa6wY78gGc0p1tx7N/KEEdfRsfpAdtuDA+uNQN1jXW5+7F00JIPcqj/A2ZaiEBV
Bhn4NzB9WyFFCCppMlZ2E8kWalyK9MY17KFfng512YbqGjiHCL0o37/2TlvGceJj
xwaXO1PqJUE4WM/h6wuczMLx2L27LLjsYY6QRJ749llib0jYLGluBFxDlWjOCh6r
orst+6AbuvJ+PIsrZK4r//kew3Qnv/+P+e0J/j3Wyz4ZR3G6n2sR7ev4v5cM5Znk
9gvq/4yxAgMBAAECggEACC/Ao8xwwBSb+7/aOK8HghFFr7M38jXSOO31MxpBzPoS
bsQW41CDsl7YH8RsS9qD9raCooPgfeIhPAvmRvSSCzNgVfoJp++v8lTEIUrR1E3E
pz0kQ1vqPO8T3z7P03QRebRMZg2w8UcnGxdUJzJH9An5Mn3bD5+TutsU2WopwVUW
jxZD6TJQRosRxaSMnCpWpLiPIkt2/T0923Mzc6MZ0FdcdJleX+VTnQkJKEBIFp/x
/PeeE5JgXnpJwvxCxaApWLaxWa1LIAa+ATZHvq2kiKD2gx271ak0vR+Tv1y68o4e
68DUazQjAIFMnHaplJ8lGBS8ba0TSKDGFU6SjEpmIQKBgQDTFdHb950Z8J9jLyky
GHeZ9lfZbINt+GjMLO+zO2MJ4z6YVyvGu2ztQZDdx+q43v7VKC6SWs9T7IjKCQc9
kflWbBHmXZLlVcoAT97bhS9Sj577dPkTVcPM6GwVdfcgiPkOpJ7cX0/00abrCLbw
oruUD6DKsKpe4/jZpxbp7uW20QKBgQDPT2eo06SmFtBgwKE51vdkWdpjOqIRfLgP
xTrKCmpco2AFcPcLGLPL21I6SB45uGqVZZaDgDrFiDJjFZCUg0e3jN2cZtD3DHSp
sRebQIJEdiTFwCNFJt3hu0k6p/V3D7sZ5P+2AxhsIajApKpLfl2LZF+8WYgriWdd
AkhMo1Gv4QKBgQDFyUw6sGmkRLMUXLxdFE/9E7Z9JBCCmqCXsANqDdtfCG8+j2+V
Z0lJhoYXSZvGXiypzlzVBgH+wUPrC0qdhon7UIf1MvjRqvD8GdrYFpOg6LIvLAu2
8kXlWmLsOPy2n6G+9sFj/GsPGuMsl53THKhms74WLjN1dmdWihoOWKsmAQKBgQCC
gnC1vheHYBFq95oIOaahDFgJ5B2neKa/duDd1NTE4S1P/5/m4nQ+QCJyAnjUyZ5/
0uaAfreBJ47hBfBxLnx1tz7EeY3QGY1QTuaXnHLl+qKHw7/whtlkhG1Def10KPkX
Ai1hPm2flUkRjhiPUkw9tsD2aD7reaMS0J8HcEG6wQKBgFFT/VkT/g1aI10NXCZJ
W0ncBz83CBLxfJp4ZTfu3dxz8XnulZxo/w5WnyZZA/3YDdoZKyc9aEwu0PZdmAuz
7IcuYAuL70x/qH4IEYksIZYiC3kNDBcBNp8a+840YjiQs9wKtkM2rA0pBYdgN5zI
uy1Nb3W21VjIunb/7BJVQ+iz
-----END PRIVATE KEY-----
""";

    private const string NodeKeyPem = """
-----BEGIN PRIVATE KEY-----
MIIEvAIBADANBgkqhkiG9w0BAQEFAASCBKYwggSiAgEAAoIBAQCruQyFZ8RtPVh9
sfHRyZkbRH3IHFDVuKJuPVMwqjiIuN6U1UMq0CC9HHcT+4JqCjzBxz28lvTM7V6e
1tAOza/Ejh0yhJqhkEH8GqH67LeW2r8ahinLc2O7fIuyJH4qPxucOu/vQ+w/EMbz
Bu/1EDABOpHxr7bLKKrv5Wx2De57O5UAlsZCBr5NYFlJRkRUBomT+YAHy4EIDgJs
Ewl8E2GA//9EPCa0zSYatsDcQXBVggi+jaVs/ndsofZBmHTt/lCuNOteu9jT60mF
lYGM+tUuE6n+DuPGBIklLm2gOuAr7jbVQkWVYsAdDnCO+YKjfV9wVvC2395SXg0P
8AdxofEFAgMBAAECggEAEgUi7nvnZbQ+jUAnWWWvoqgjD+UCyY6swuc+C9kNAjHu
L42alQtOqDGswETQGGsXGZmcHaZ0rW2KVJ5Dqo4EkBp+r16xcFtYRUmRLmj5UgQF
8lVaXO5wrIvDCBBiyfGh5tjbdU76I1sSGY4kj6Ghe/uGtadEBhkwKOj5IwFOwZEg
imCP+b0MDEKvmePzX1TwX0D8QZe3SoUlVLH9xoOYlZww1ux+QvpXwWA5BJfi5Pgy
CTJe54tQlpWIesbGh0wee0+aHCs2M3FZFYrPHLPjDZX+aYQigzv8cvWaT3/xBqrK
v1/uYRotaFdpZ/d3Zut8CMwEf6x1mhmNMSIUZEMX8QKBgQDp/A55uTm7f7Ot6oe4
K10Erxcnr8m2CW0y5FvQQb3ck3j+8vdBjPay+KHPznIluqzxdtfQhbiiMy3KjMyh
+luR2N9EKyugK6Xt9msSd6E1k1aM3382O8pDFcVWjZbMUXUIgm+vE23H7cAbjiAu
ATnsHj/NU4WVr/gEdPnL1Mfg1QKBgQC74U4h4gRcqRMM5QTyfweAqXYIGqmfW+7U
K6OWwOBX2dp6dH1KzB0JZiWj/1enQtvnG1LsWTeW+IL+LcitMcHkRi+VxTpsp1tr
2VH/WsXyE1yoGtPoo2HFYNPBWdwqBDCY0zPAj3eZGq5jnksaFZ266TDSO3WPDQ8K
BbON2ypncQKBgB0j+SGLwfbqBpSoWtLDA8irjbSxnet/7QujiRO8vEqWS0FlPQn6
5laPxIc+7NRqFVPVOzeLD92ThiZttqaNqY3WdqfkwIAoL3gdcmRQZdFoUiUlSJCW
jbAhK/yFkbxMgMjYhdRGFSwLHhvQbY2NNYuEkOmfd0mXKspTTzDlhScpAoGAQutS
OBFX+mUiavJb27/RPUuexe4xQpitLZdJklWq0r++6OT7B5xCL2nZuFsnrmTLDLsX
wyVX/ocPqVdHZiEV7afuJQt17uOBVZ23bhu366xn0VyU5ATluzbs1a6bE8AgSx7X
DRxMvhTZzpPALk9Kuht7DzasfcJp++jh9oH8zZECgYA1OdXun2eaTt1G/SexlRH3
TxPe4uVtuTbmgclRFRHAO8Qw7HJUn436uC2fHX1A3qCMXBiP9yhcpgaC1uww3rKg
nk8Z9DuRlQkCDjaWY7AP6wnKVsOK+Yz5Y38PS9d9eCfOij6qUO/Q7BB0ibXXaEsH
c+uh4NwhhAt+k2n7dYiZEw==
-----END PRIVATE KEY-----
""";

    private static readonly Lazy<X509Certificate2> LazyCa = new(() => CreateCa());

    /// <summary>The cluster's CA (subject CN=fuzz-ca), with its private key.</summary>
    public static X509Certificate2 Ca => LazyCa.Value;

    /// <summary>Creates a node certificate issued by <see cref="Ca"/>, the node key in it; DER bytes.</summary>
    /// <param name="serial">Its serial number.</param>
    /// <param name="subject">Its subject common name.</param>
    /// <param name="sanUris">Subject alternative name URIs.</param>
    /// <param name="dnsNames">Subject alternative name DNS names.</param>
    /// <param name="notAfter">End of validity, when not the default.</param>
    /// <param name="selfSigned">Signed by the node key itself instead of the CA.</param>
    public static byte[] NodeCertificate(byte serial, string subject, IEnumerable<string> sanUris, IEnumerable<string>? dnsNames = null, DateTimeOffset? notAfter = null, bool selfSigned = false)
    {
        using var key = Rsa(NodeKeyPem);
        var request = new CertificateRequest($"CN={subject}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        foreach (var uri in sanUris)
        {
            san.AddUri(new Uri(uri));
        }

        foreach (var dns in dnsNames ?? [])
        {
            san.AddDnsName(dns);
        }

        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        using var caKey = Rsa(CaKeyPem);
        var (issuer, signer) = selfSigned ? (request.SubjectName, key) : (Ca.SubjectName, caKey);
        using var cert = request.Create(issuer, X509SignatureGenerator.CreateForRSA(signer, RSASignaturePadding.Pkcs1), NotBefore, notAfter ?? NotAfter, [serial]);
        return cert.RawData;
    }

    /// <summary>A node certificate with the node key, for a TLS server.</summary>
    /// <param name="der">What <see cref="NodeCertificate"/> returned.</param>
    public static X509Certificate2 WithNodeKey(byte[] der)
    {
        using var key = Rsa(NodeKeyPem);
        using var cert = X509CertificateLoader.LoadCertificate(der);
        var withKey = cert.CopyWithPrivateKey(key);
        // A certificate with an ephemeral key works as a TLS server certificate on Linux; elsewhere export
        // and reload it (a PKCS#12 round trip) would be needed.
        return withKey;
    }

    /// <summary>The CA's private key (the caller disposes it).</summary>
    public static RSA CaKey() => Rsa(CaKeyPem);

    private static X509Certificate2 CreateCa()
    {
        using var key = Rsa(CaKeyPem);
        var request = new CertificateRequest("CN=fuzz-ca", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        using var cert = request.Create(request.SubjectName, X509SignatureGenerator.CreateForRSA(key, RSASignaturePadding.Pkcs1), NotBefore, NotAfter, [1]);
        return X509CertificateLoader.LoadCertificate(cert.RawData);
    }

    private static RSA Rsa(string pem)
    {
        var rsa = RSA.Create();
        rsa.ImportFromPem(pem);
        return rsa;
    }
}
