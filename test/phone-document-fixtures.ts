// Documents real phones sent (captures) and the guides print, as quoted in the research notes on telephony events
// and state polling (sources: the SIP 3.1 and UC Software 5.0.0 Web Application Developer's Guides; captures of a
// VVX 300, VVX 400, VVX 410, SoundPoint IP 321 and Fonality-hosted phones). Each is a string a receiver may get.

/** SIP 3.1 guide example: numbers as user@host, not sip: URIs. */
export const INCOMING_GUIDE = `<PolycomIPPhone>
<IncomingCallEvent>
<PhoneIP>172.24.132.135</PhoneIP>
<MACAddress>0004f214b89e</MACAddress>
<CallingPartyName>20701</CallingPartyName>
<CallingPartyNumber>20701@172.18.186.94</CallingPartyNumber>
<CalledPartyName>20300</CalledPartyName>
<CalledPartyNumber>20300</CalledPartyNumber>
<TimeStamp>2008-07-11T13:19:53-08:00</TimeStamp>
</IncomingCallEvent>
</PolycomIPPhone>`;

/** Capture, 2012, a phone on a Fonality PBX. */
export const INCOMING_CAPTURE = `<PolycomIPPhone>
<IncomingCallEvent>
<PhoneIP>192.168.0.107</PhoneIP>
<MACAddress>0004f2313531</MACAddress>
<CallingPartyName>Client</CallingPartyName>
<CallingPartyNumber>sip:14153435295@74.115.98.49</CallingPartyNumber>
<CalledPartyName>7006</CalledPartyName>
<CalledPartyNumber>sip:0004F2313531-14264@s14264.pbxtra.fonality.com</CalledPartyNumber>
<TimeStamp>2012-04-13T22:45:34-08:00</TimeStamp>
</IncomingCallEvent>
</PolycomIPPhone>`;

/** Capture: an empty CalledPartyName written `<X></X>`. */
export const OUTGOING_CAPTURE = `<PolycomIPPhone>
<OutgoingCallEvent>
<PhoneIP>192.168.0.103</PhoneIP>
<MACAddress>0004f23130ce</MACAddress>
<CallingPartyName>7011</CallingPartyName>
<CallingPartyNumber>sip:0004F23130CE-14264@s14264.pbxtra.fonality.com</CallingPartyNumber>
<CalledPartyName></CalledPartyName>
<CalledPartyNumber>sip:914153435295@s14264.pbxtra.fonality.com</CalledPartyNumber>
<TimeStamp>2012-04-13T20:38:50-08:00</TimeStamp>
</OutgoingCallEvent>
</PolycomIPPhone>`;

export const OFF_HOOK_CAPTURE = `<PolycomIPPhone>
<OffHookEvent>
<PhoneIP>192.168.0.0</PhoneIP>
<MACAddress>ffffffffffff</MACAddress>
<TimeStamp>2012-02-18T17:32:31-08:00</TimeStamp>
</OffHookEvent>
</PolycomIPPhone>`;

export const ON_HOOK_CAPTURE = OFF_HOOK_CAPTURE.replace(/OffHookEvent/g, 'OnHookEvent').replace('17:32:31', '17:32:32');

/**
 * VVX 410, UCS 4.1.4, going off hook (captured as YAML by a Ruby gem; written back as the phone's XML): no
 * LineNumber, CallReference first in CallInfo, empty called party, no Protocol/Muted/Ringing.
 */
export const CALL_STATE_CAPTURE = `<PolycomIPPhone>
<CallStateChangeEvent CallReference="41aa9c00" CallState="Dialtone">
<PhoneIP>10.0.5.7</PhoneIP>
<MACAddress>0004f2839af9</MACAddress>
<TimeStamp>2013-10-23T13:50:56-05:00</TimeStamp>
<CallLineInfo>
<LineKeyNum>1</LineKeyNum>
<LineDirNum>1006</LineDirNum>
<LineState>Active</LineState>
<CallInfo>
<CallReference>41aa9c00</CallReference>
<CallState>Dialtone</CallState>
<CallType>Outgoing</CallType>
<UIAppearanceIndex>1*</UIAppearanceIndex>
<CalledPartyName/>
<CalledPartyDirNum/>
<CallingPartyName>1006</CallingPartyName>
<CallingPartyDirNum>sip:1006@example.com</CallingPartyDirNum>
<CallDuration>0</CallDuration>
</CallInfo>
</CallLineInfo>
</CallStateChangeEvent>
</PolycomIPPhone>`;

/** UC Software 5.0.0 guide templates (no wrapper, blanks for values). */
export const PHONE_LOCKED_GUIDE = `<PhoneLockedEvent>
<PhoneIP> </PhoneIP>
<MACAddress> </MACAddress>
<TimeStamp> </TimeStamp>
</PhoneLockedEvent>`;

export const LOGIN_GUIDE = `<UserLoginOutEvent>
<PhoneIP> </PhoneIP>
<MACAddress> </MACAddress>
<CallLineInfo>
<LineKeyNum> 1 </LineKeyNum>
<LineDirNum> </LineDirNum>
</CallLineInfo>
<UserLoggedIn> </UserLoggedIn>
<TimeStamp> </TimeStamp>
</UserLoginOutEvent>`;

export const LOGOUT_GUIDE = LOGIN_GUIDE.replace('<UserLoggedIn> </UserLoggedIn>', '<UserLoggedOut/>');

/** The 5.0.0 guide's LineRegistrationEvent, as printed: `<MACAddress </MACAddress>` lacks its '>'. Not XML. */
export const LINE_REGISTRATION_GUIDE_TYPO = `<LineRegistrationEvent>
<PhoneIP> </PhoneIP>
<MACAddress </MACAddress>
<LineNumber> </LineNumber>
<TimeStamp> </TimeStamp>
</LineRegistrationEvent>`;

/** The sister product's (Spectralink) example: no wrapper, no colon in the offset. */
export const LINE_REGISTRATION_SISTER =
  '<LineRegistrationEvent><PhoneIP>172.29.101.24</PhoneIP><MACAddress>00907a13b900</MACAddress><LineNumber>1</LineNumber><TimeStamp>2015-07-14T13:16:28-0600</TimeStamp></LineRegistrationEvent>';

/** callstateHandler of a VVX 400 (newer UCS): Protocol, Muted and Ringing at the end of CallInfo. */
export const CALL_STATE_POLL_CAPTURE = `<PolycomIPPhone>
<CallLineInfo>
<LineKeyNum>1</LineKeyNum>
<LineDirNum>201</LineDirNum>
<LineState>Active</LineState>
<CallInfo>
<CallReference>41a8a520</CallReference>
<CallState>Connected</CallState>
<CallType>Outgoing</CallType>
<UIAppearanceIndex>1*</UIAppearanceIndex>
<CalledPartyName>Anna</CalledPartyName>
<CalledPartyDirNum>sip:202@tavi.ezuce.ro</CalledPartyDirNum>
<CallingPartyName>Alice</CallingPartyName>
<CallingPartyDirNum>sip:201@tavi.ezuce.ro</CallingPartyDirNum>
<CallDuration>2</CallDuration>
<Protocol>SIP</Protocol>
<Muted>0</Muted>
<Ringing>0</Ringing>
</CallInfo>
</CallLineInfo>
</PolycomIPPhone>`;

/** The same phone with two calls on one line (one held), as the capture's second file shows them. */
export const CALL_STATE_POLL_TWO_CALLS = CALL_STATE_POLL_CAPTURE.replace(
  '</CallLineInfo>',
  `<CallInfo>
<CallReference>41aa8388</CallReference>
<CallState>CallHold</CallState>
<CallType>Incoming</CallType>
<UIAppearanceIndex>2</UIAppearanceIndex>
<CalledPartyName>Alice</CalledPartyName>
<CalledPartyDirNum>sip:201@tavi.ezuce.ro</CalledPartyDirNum>
<CallingPartyName>Bert</CallingPartyName>
<CallingPartyDirNum>sip:203@tavi.ezuce.ro</CallingPartyDirNum>
<CallDuration>20</CallDuration>
<Protocol>SIP</Protocol>
<Muted>0</Muted>
<Ringing>0</Ringing>
</CallInfo>
</CallLineInfo>`,
);

/** SIP 3.1 guide example: CalledPartyNumber in CallInfo, LineState Connected, no UIAppearanceIndex; two lines. */
export const CALL_STATE_POLL_SIP31 =
  '<PolycomIPPhone><CallLineInfo><LineKeyNum>1</LineKeyNum><LineDirNum>10</LineDirNum><LineState>Connected</LineState><CallInfo><CallState>Offering</CallState><CallType>Incoming</CallType><CalledPartyName>10</CalledPartyName><CalledPartyNumber>10</CalledPartyNumber><CallingPartyName>21</CallingPartyName><CallingPartyNumber>21@172.24.128.61</CallingPartyNumber><CallReference>0</CallReference><CallDuration>0</CallDuration></CallInfo></CallLineInfo><CallLineInfo><LineKeyNum>2</LineKeyNum><LineDirNum>35</LineDirNum><LineState>Inactive</LineState></CallLineInfo></PolycomIPPhone>';

/** deviceHandler of a SoundPoint IP 321, UCS 4.0.4. */
export const DEVICE_CAPTURE = `<PolycomIPPhone>
<DeviceInformation>
<MACAddress>0004f2a76cd5</MACAddress>
<PhoneDN>Line1:1001</PhoneDN>
<AppLoadID>4.0.4.2906 17-Apr-13 23:30</AppLoadID>
<UpdaterID>4.4.0.0080</UpdaterID>
<ModelNumber>SoundPoint IP 321</ModelNumber>
<TimeStamp>2014-02-28T13:27:02-06:00</TimeStamp>
</DeviceInformation>
</PolycomIPPhone>`;

/** networkHandler of the same phone: empty elements self-closed. */
export const NETWORK_CAPTURE = `<PolycomIPPhone>
<NetworkConfiguration>
<DHCPServer>192.168.0.1</DHCPServer>
<MACAddress>0004f2a76cd5</MACAddress>
<DNSSuffix/>
<IPAddress>192.168.0.2</IPAddress>
<SubnetMask>255.255.255.0</SubnetMask>
<ProvServer>10.17.127.251/Polycom/</ProvServer>
<DefaultRouter>192.168.0.1</DefaultRouter>
<DNSServer1>192.168.0.1</DNSServer1>
<DNSServer2>0.0.0.0</DNSServer2>
<VLANID/>
<DHCPEnabled>Yes</DHCPEnabled>
</NetworkConfiguration>
</PolycomIPPhone>`;
