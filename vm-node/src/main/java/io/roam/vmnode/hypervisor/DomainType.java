package io.roam.vmnode.hypervisor;

/** The libvirt domain type a VM runs with. */
public enum DomainType {
  /** Hardware virtualisation through /dev/kvm. */
  KVM("kvm"),
  /** QEMU's software emulation (TCG): slower, but works wherever QEMU runs. */
  QEMU("qemu");

  private final String xmlName;

  DomainType(String xmlName) {
    this.xmlName = xmlName;
  }

  /** The value of {@code <domain type='...'>}. */
  public String xmlName() {
    return xmlName;
  }
}
