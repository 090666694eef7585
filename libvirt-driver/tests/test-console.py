"""Console streams through python3-libvirt (virsh console needs a TTY):
opening the console of a running VM relays input to its pty and reports
end-of-stream when the VM stops; a VM without a pty console, or a stopped
one, gets a clean error."""
import threading

import libvirt

from harness import check, libvirt_event_loop, run


def test(s):
    stop = libvirt_event_loop()
    conn = libvirt.open(s.uri)

    dom = conn.defineXML(s.vm_xml("con1"))
    st = conn.newStream(0)
    try:
        dom.openConsole(None, st, 0)
        raise AssertionError("console of a stopped domain opened")
    except libvirt.libvirtError as e:
        check(e.get_error_code() == libvirt.VIR_ERR_OPERATION_INVALID, str(e))

    dom.create()
    # like virsh console: a non-blocking stream driven by the event loop
    st = conn.newStream(libvirt.VIR_STREAM_NONBLOCK)
    dom.openConsole(None, st, 0)
    eof = threading.Event()
    received = []

    def on_stream(stream, events, opaque):
        while True:
            data = stream.recv(4096)
            if data == -2:  # would block
                return
            if not data:
                eof.set()
                stream.eventRemoveCallback()
                return
            received.append(data)

    st.eventAddCallback(libvirt.VIR_STREAM_EVENT_READABLE | libvirt.VIR_STREAM_EVENT_HANGUP |
                        libvirt.VIR_STREAM_EVENT_ERROR, on_stream, None)
    check(st.send(b"root\r") == 5, "send to the console")
    check(not eof.wait(1.0), "stream ended while the VM runs")

    # libvirt allows one console session per domain (issue 13, item 13): a
    # second client is refused without --force ...
    conn2 = libvirt.open(s.uri)
    st2 = conn2.newStream(libvirt.VIR_STREAM_NONBLOCK)
    try:
        conn2.lookupByName("con1").openConsole(None, st2, 0)
        raise AssertionError("a second console session attached")
    except libvirt.libvirtError as e:
        check(e.get_error_code() == libvirt.VIR_ERR_OPERATION_FAILED and
              "Active console session exists" in str(e), str(e))
    check(not eof.wait(0.5), "the refused attempt ended the first session")
    # ... and with --force takes over: the first session ends
    st2 = conn2.newStream(libvirt.VIR_STREAM_NONBLOCK)
    conn2.lookupByName("con1").openConsole(None, st2, libvirt.VIR_DOMAIN_CONSOLE_FORCE)
    check(eof.wait(10), "the forced session did not end the first one")
    st.finish()
    check(st2.send(b"x") == 1, "the forcing session works")
    st2.abort()
    conn2.close()

    # the live XML names the pty, with libvirt's <console> (virsh ttyconsole)
    pty = s.virsh("ttyconsole", "con1").stdout.strip()
    check(pty.startswith("/dev/pts/"), "ttyconsole: %r" % pty)
    live = dom.XMLDesc(0)
    check("<source path=\"%s\"/>" % pty in live and "<console type=\"pty\" tty=\"%s\">" % pty in live,
          live)
    check("<console type=\"pty\">" in dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE),
          dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE))
    # redefining the live XML (Nova does) is accepted and stores no pty path
    conn.defineXML(live)
    check(pty not in dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE), "pty path stored")

    st = conn.newStream(libvirt.VIR_STREAM_NONBLOCK)
    dom.openConsole(None, st, 0)
    eof.clear()
    st.eventAddCallback(libvirt.VIR_STREAM_EVENT_READABLE | libvirt.VIR_STREAM_EVENT_HANGUP |
                        libvirt.VIR_STREAM_EVENT_ERROR, on_stream, None)
    dom.destroy()
    # the device model is gone: the pty hangs up and the stream ends
    check(eof.wait(10), "no end of stream after the VM stopped")
    st.finish()

    # a VM whose console is not a pty
    xml = s.vm_xml("con2").replace("<serial type='pty'><target port='0'/></serial>", "")
    dom2 = conn.defineXML(xml)
    dom2.create()
    st = conn.newStream(0)
    try:
        dom2.openConsole(None, st, 0)
        raise AssertionError("console without a pty opened")
    except libvirt.libvirtError as e:
        check("no pty console" in str(e), str(e))
    dom2.destroy()
    dom2.undefine()
    dom.undefine()
    conn.close()
    stop.set()


run(test)
